// Checksums: the IPv4 header checksum (RFC 1071 fold), Adler-32 and FNV-1a
// over bytes on the stack.
#include <linux/types.h>
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

struct Ipv4Header {
  __u16 words[10];
};

__u16 csum = 0;
__u16 verify = 0;
__u32 adler = 0;
__u32 fnv = 0;

static __u16 fold(__u32 sum) {
  __u32 s = (sum & 0xffff) + (sum >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)~s;
}

static __u16 ipChecksum(struct Ipv4Header *h) {
  __u32 sum = 0;
  for (__u32 i = 0; i < 10; i++) {
    sum += h->words[i];
  }
  return fold(sum);
}

SEC("syscall") long checksums(void *ctx) {
  struct Ipv4Header h = {};
  h.words[0] = 0x4500;
  h.words[1] = 0x0073;
  h.words[2] = 0x0000;
  h.words[3] = 0x4000;
  h.words[4] = 0x4011;
  h.words[5] = 0x0000;
  h.words[6] = 0xc0a8;
  h.words[7] = 0x0001;
  h.words[8] = 0xc0a8;
  h.words[9] = 0x00c7;
  csum = ipChecksum(&h);
  h.words[5] = csum;
  verify = ipChecksum(&h);

  __u8 data[64] = {};
  for (__u32 i = 0; i < 64; i++) {
    data[i] = (__u8)(i * 7 + 3);
  }
  __u32 a = 1;
  __u32 b = 0;
  __u32 h32 = 2166136261;
  for (__u32 i = 0; i < 64; i++) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
    h32 ^= data[i];
    h32 *= 16777619;
  }
  adler = (b << 16) | a;
  fnv = h32;
  return csum;
}
