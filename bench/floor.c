/*
 * The machine's floor for an ICMP echo flood on a pair: a C loop doing the work vping's
 * engine does (raw ICMP socket, build each echo with its sequence number and checksum,
 * match replies by id and seq), nothing more. bench/ping-flood compiles it with cc and runs
 * it inside the bench's namespace.
 *
 *   floor sendto|mmsg COUNT WINDOW DST_IPV4
 *
 * sendto: sendto(2) per echo, recvmsg(2) per reply (as ping -f does).
 * mmsg:   sendmmsg(2) per batch of up to WINDOW echoes, recvmmsg(2) per batch of replies.
 * Keeps up to WINDOW echoes in flight (1: one at a time, as ping -f). Prints one line:
 * "<mode> <count> <window> <replies> <ns>".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXW 256
#define DATALEN 56

static uint16_t cksum(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (; n > 1; n -= 2, p += 2) s += (uint32_t)p[0] << 8 | p[1];
  if (n) s += (uint32_t)p[0] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return htons((uint16_t)~s);
}

static void build(uint8_t *b, uint16_t id, uint16_t seq) {
  struct icmphdr *h = (struct icmphdr *)b;
  memset(b, 0, 8 + DATALEN);
  h->type = ICMP_ECHO;
  h->un.echo.id = htons(id);
  h->un.echo.sequence = htons(seq);
  for (int i = 8 + 16; i < 8 + DATALEN; i++) b[i] = (uint8_t)i;
  h->checksum = cksum(b, 8 + DATALEN);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: floor sendto|mmsg COUNT WINDOW DST_IPV4\n");
    return 2;
  }
  int mmsg = strcmp(argv[1], "mmsg") == 0;
  long count = atol(argv[2]);
  int window = atoi(argv[3]);
  if (window < 1 || window > MAXW) window = 1;
  struct sockaddr_in dst = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[4], &dst.sin_addr) != 1) return 2;
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0) {
    perror("socket");
    return 2;
  }
  uint16_t id = (uint16_t)getpid();
  static uint8_t tx[MAXW][8 + DATALEN], rx[MAXW][1500];
  static struct mmsghdr sm[MAXW], rm[MAXW];
  static struct iovec siov[MAXW], riov[MAXW];
  for (int i = 0; i < MAXW; i++) {
    siov[i] = (struct iovec){tx[i], sizeof tx[i]};
    riov[i] = (struct iovec){rx[i], sizeof rx[i]};
    sm[i].msg_hdr = (struct msghdr){.msg_name = &dst, .msg_namelen = sizeof dst, .msg_iov = &siov[i], .msg_iovlen = 1};
    rm[i].msg_hdr = (struct msghdr){.msg_iov = &riov[i], .msg_iovlen = 1};
  }
  long sent = 0, got = 0;
  int inflight = 0;
  uint64_t t0 = now_ns();
  while (got < count) {
    int n = window - inflight;
    if (n > count - sent) n = (int)(count - sent);
    if (n > 0) {
      for (int i = 0; i < n; i++) build(tx[i], id, (uint16_t)(sent + i + 1));
      if (mmsg) {
        int k = sendmmsg(fd, sm, (unsigned)n, 0);
        if (k < 0) { perror("sendmmsg"); return 1; }
        n = k;
      } else {
        for (int i = 0; i < n; i++)
          if (sendto(fd, tx[i], sizeof tx[i], 0, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("sendto"); return 1; }
      }
      sent += n;
      inflight += n;
    }
    int k;
    if (mmsg) {
      k = recvmmsg(fd, rm, (unsigned)inflight, MSG_WAITFORONE, NULL);
      if (k < 0) { perror("recvmmsg"); return 1; }
    } else {
      struct msghdr h = {.msg_iov = &riov[0], .msg_iovlen = 1};
      k = recvmsg(fd, &h, 0) < 0 ? -1 : 1;
      if (k < 0) { perror("recvmsg"); return 1; }
      rm[0].msg_len = 0;
    }
    for (int i = 0; i < k; i++) {
      const uint8_t *p = rx[i];
      int hl = (p[0] & 15) * 4;
      const struct icmphdr *h = (const struct icmphdr *)(p + hl);
      if (h->type == ICMP_ECHOREPLY && ntohs(h->un.echo.id) == id) {
        got++;
        inflight--;
      }
    }
  }
  printf("%s %ld %d %ld %llu\n", argv[1], count, window, got, (unsigned long long)(now_ns() - t0));
  return 0;
}
