/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_pcap.c - deterministic benchmark captures for Handshake.
 *
 *   gen_pcap conns N OUT.pcap [-p PORT] [-w WINDOW]
 *       N packets of complete short TCP connections, 10 packets each:
 *       SYN, SYN+ACK, ACK, request, response, ACK, FIN, ACK, FIN, ACK.
 *       WINDOW connections are open at once, their packets interleaved
 *       round-robin (default 16), so the capture is handshake-heavy but
 *       not one connection after the other.
 *   gen_pcap syns N OUT.pcap [-p PORT]
 *       N unanswered SYNs, each from its own source address/port (each a
 *       new tcp.stream).
 *
 * Ethernet / IPv4 / TCP, classic pcap, microsecond timestamps, valid IPv4
 * and TCP checksums.  Every client 4-tuple is distinct (10.a.b.c:port ->
 * 192.168.0.1:PORT; PORT is 5555 by default, which has no dissector, so
 * payloads stay "data").  The output depends only on the arguments.
 * OUT may be "-" for standard output.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE_SECS 1700000000u
#define REQ_LEN   64u
#define RESP_LEN  256u
#define MAX_WINDOW 4096u

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

static FILE *out;
static uint64_t now_us;           /* capture clock */
static uint16_t server_port = 5555;

static void die(const char *what)
{
    fprintf(stderr, "gen_pcap: %s: %s\n", what, errno ? strerror(errno) : "error");
    exit(1);
}

static void put(const void *p, size_t n)
{
    if (fwrite(p, 1, n, out) != n)
        die("write");
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void write_header(void)
{
    uint8_t h[24];
    le32(h, 0xa1b2c3d4u);              /* microsecond pcap */
    h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;
    le32(h + 8, 0);                    /* thiszone */
    le32(h + 12, 0);                   /* sigfigs */
    le32(h + 16, 65535);               /* snaplen */
    le32(h + 20, 1);                   /* LINKTYPE_ETHERNET */
    put(h, sizeof h);
}

/* One TCP segment from src to dst.  Payload bytes are a fixed pattern. */
static void segment(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                    uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len)
{
    static uint8_t pkt[16 + 14 + 20 + 20 + RESP_LEN];
    static uint16_t ip_id;
    uint8_t *rec = pkt, *eth = pkt + 16, *ip = eth + 14, *tcp = ip + 20, *data = tcp + 20;
    uint32_t caplen = 14 + 20 + 20 + len;

    now_us += 7;                        /* 7 us between packets */
    le32(rec, (uint32_t)(BASE_SECS + now_us / 1000000));
    le32(rec + 4, (uint32_t)(now_us % 1000000));
    le32(rec + 8, caplen);
    le32(rec + 12, caplen);

    /* Ethernet: locally administered MACs derived from the addresses. */
    eth[0] = 0x02; be32(eth + 2, dst); eth[1] = 0x00;
    eth[6] = 0x02; be32(eth + 8, src); eth[7] = 0x00;
    be16(eth + 12, 0x0800);

    memset(ip, 0, 20);
    ip[0] = 0x45;
    be16(ip + 2, 20 + 20 + len);
    be16(ip + 4, ip_id++);
    be16(ip + 6, 0x4000);               /* DF */
    ip[8] = 64;
    ip[9] = 6;
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(ip + 10, fold(sum16(ip, 20, 0)));

    memset(tcp, 0, 20);
    be16(tcp, sport);
    be16(tcp + 2, dport);
    be32(tcp + 4, seq);
    be32(tcp + 8, (flags & F_ACK) ? ack : 0);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    be16(tcp + 14, 64240);
    for (uint32_t i = 0; i < len; i++)
        data[i] = (uint8_t)('a' + (i % 26));
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0; pseudo[9] = 6;
    be16(pseudo + 10, 20 + len);
    be16(tcp + 16, fold(sum16(tcp, 20 + len, sum16(pseudo, 12, 0))));

    put(pkt, 16 + caplen);
}

/* Deterministic initial sequence numbers. */
static uint32_t isn(uint64_t i, uint32_t salt)
{
    uint64_t z = i * 0x9e3779b97f4a7c15ull + salt;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(z ^ (z >> 31));
}

/* Client i: 10.x.y.z, ephemeral ports 49152..65535 (few registered ports
 * there, so the payloads stay undissected data), 16384 clients per address. */
static uint32_t client_addr(uint64_t i) { return 0x0a000001u + (uint32_t)(i / 16384); }
static uint16_t client_port(uint64_t i) { return (uint16_t)(49152 + i % 16384); }
#define SERVER 0xc0a80001u              /* 192.168.0.1 */

/* Packet k (0..9) of connection i. */
static void conn_packet(uint64_t i, int k)
{
    uint32_t c = client_addr(i), x = isn(i, 1), y = isn(i, 2);
    uint16_t cp = client_port(i), sp = server_port;
    const uint32_t Q = REQ_LEN, R = RESP_LEN;
    switch (k) {
    case 0: segment(c, cp, SERVER, sp, x, 0, F_SYN, 0); break;
    case 1: segment(SERVER, sp, c, cp, y, x + 1, F_SYN | F_ACK, 0); break;
    case 2: segment(c, cp, SERVER, sp, x + 1, y + 1, F_ACK, 0); break;
    case 3: segment(c, cp, SERVER, sp, x + 1, y + 1, F_PSH | F_ACK, Q); break;
    case 4: segment(SERVER, sp, c, cp, y + 1, x + 1 + Q, F_PSH | F_ACK, R); break;
    case 5: segment(c, cp, SERVER, sp, x + 1 + Q, y + 1 + R, F_ACK, 0); break;
    case 6: segment(c, cp, SERVER, sp, x + 1 + Q, y + 1 + R, F_FIN | F_ACK, 0); break;
    case 7: segment(SERVER, sp, c, cp, y + 1 + R, x + 2 + Q, F_ACK, 0); break;
    case 8: segment(SERVER, sp, c, cp, y + 1 + R, x + 2 + Q, F_FIN | F_ACK, 0); break;
    case 9: segment(c, cp, SERVER, sp, x + 2 + Q, y + 2 + R, F_ACK, 0); break;
    }
}

static void gen_conns(uint64_t n, unsigned window)
{
    /* Connections are started in order; `window` of them are in flight and
     * each round sends the next packet of every one in flight. */
    uint64_t conns = (n + 9) / 10, next = 0, written = 0;
    uint64_t slot_conn[MAX_WINDOW];
    int slot_k[MAX_WINDOW];
    unsigned active = 0;
    for (unsigned s = 0; s < window; s++)
        slot_k[s] = -1;
    for (unsigned s = 0; s < window && next < conns; s++, active++) {
        slot_conn[s] = next++;
        slot_k[s] = 0;
    }
    while (active && written < n) {
        for (unsigned s = 0; s < window && written < n; s++) {
            if (slot_k[s] < 0)
                continue;
            conn_packet(slot_conn[s], slot_k[s]++);
            written++;
            if (slot_k[s] == 10) {
                if (next < conns) {
                    slot_conn[s] = next++;
                    slot_k[s] = 0;
                } else {
                    slot_k[s] = -1;
                    active--;
                }
            }
        }
    }
}

static void gen_syns(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        segment(client_addr(i), client_port(i), SERVER, server_port, isn(i, 1), 0, F_SYN, 0);
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_pcap conns|syns N OUT.pcap [-p PORT] [-w WINDOW]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        usage();
    const char *kind = argv[1];
    char *end;
    errno = 0;
    unsigned long long n = strtoull(argv[2], &end, 10);
    if (*end || errno || n == 0 || n > 4000000000ull)
        usage();
    unsigned window = 16;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) {
            server_port = (uint16_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
            window = (unsigned)strtoul(argv[++i], NULL, 10);
            if (window == 0 || window > MAX_WINDOW)
                usage();
        } else {
            usage();
        }
    }
    out = strcmp(argv[3], "-") ? fopen(argv[3], "wb") : stdout;
    if (!out)
        die(argv[3]);
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    write_header();
    if (!strcmp(kind, "conns"))
        gen_conns(n, window);
    else if (!strcmp(kind, "syns"))
        gen_syns(n);
    else
        usage();
    errno = 0;
    if (fflush(out) || (out != stdout && fclose(out)))
        die("close");
    return 0;
}
