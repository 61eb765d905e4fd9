// Truncations to 32 bits that later widen again: `u32(x)` of a 64-bit value
// must clear its upper half even where the register allocator gives both the
// same register (fuzzer seed 362: a 32-bit copy was propagated as a 64-bit one).
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

__s8 small = -3;
__u32 flag = 0;
__u16 low16 = 0;
long widened = 0;
__u64 widened2 = 0;
__u64 sum = 0;

SEC("syscall") long truncations(void *ctx)
{
	__u32 a = (__u32)(small + 16702611907819016217UL);
	__u32 never = 0;
	if (never) {
		low16 = (__u16)a++;
	}
	widened = a;
	__u64 big = 0x123456789abcdef0UL + (__u64)flag;
	__u32 b = (__u32)big;
	widened2 = b;
	sum = (__u64)b + (__u64)(__u32)(big >> 8);
	return 0;
}
