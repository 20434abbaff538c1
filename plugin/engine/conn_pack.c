/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_pack.c - pack and unpack a connection attempt (conn_pack.h).
 *
 * Packing: (1) fields that sit near a base field are replaced by their
 * distance from it; (2) the bytes are XORed with a reference attempt's,
 * where that leaves fewer of them non-zero; (3) they are written as a
 * header byte, a bitmap of the non-zero bytes and those bytes.  Unpacking
 * reverses (3), (2), then (1), restoring each base before the fields
 * relative to it.
 */
#include "conn_pack.h"

#include <stdbool.h>
#include <string.h>

/* A field kept as its distance from a base field of the same width: the
 * nearest earlier event of its kind (the SYN+ACK's time from the SYN's),
 * or, where that one is unset (0), the root of its kind (the first
 * packet's time).  The table is in unpacking order: every base comes
 * before the fields relative to it, so packing goes through it backwards. */
typedef struct rel_field { uint16_t at, base, root; uint8_t width; } rel_field;

#define OFF(f) ((uint16_t)offsetof(hs_conn, f))
#define TIME(f, b)       { OFF(f), OFF(b), OFF(first_ns), 8 }
#define FRAME(f, b)      { OFF(f), OFF(b), OFF(first_frame), 4 }
#define SEQ(f, b, r)     { OFF(f), OFF(b), OFF(r), 4 }

static const rel_field rel_fields[] = {
    TIME(step_ns[1], first_ns), TIME(syn_ns, step_ns[1]), TIME(side[0].syn_ns, syn_ns),
    TIME(step_ns[2], step_ns[1]), TIME(side[1].syn_ns, step_ns[2]),
    TIME(step_ns[3], step_ns[2]), TIME(open_ns, step_ns[3]),
    TIME(data_ns, open_ns), TIME(response_ns, data_ns),
    TIME(fin_ns, open_ns), TIME(closed_ns, fin_ns), TIME(last_ns, closed_ns),
    TIME(zeek.last_ns, last_ns), TIME(zeek.close_at, zeek.last_ns), TIME(zeek.attempt_at, syn_ns),
    FRAME(step_frame[1], first_frame), FRAME(step_frame[2], step_frame[1]),
    FRAME(step_frame[3], step_frame[2]), FRAME(step_frame[4], step_frame[3]),
    FRAME(step_frame[5], step_frame[4]), FRAME(step_frame[6], step_frame[5]),
    FRAME(step_frame[7], step_frame[6]), FRAME(last_frame, step_frame[7]),
    FRAME(side[0].last_frame, last_frame), FRAME(side[1].last_frame, last_frame),
    FRAME(side[0].syn_frame, step_frame[1]), FRAME(side[1].syn_frame, step_frame[2]),
    FRAME(icmp_frame, step_frame[1]),
    FRAME(side[0].challenged, first_frame), FRAME(side[1].challenged, first_frame),
    SEQ(side[0].fin_seq, side[0].isn, side[0].isn), SEQ(side[0].next_seq, side[0].fin_seq, side[0].isn),
    SEQ(side[1].fin_seq, side[1].isn, side[1].isn), SEQ(side[1].next_seq, side[1].fin_seq, side[1].isn),
    SEQ(side[0].ack, side[1].next_seq, side[1].isn), SEQ(side[1].ack, side[0].next_seq, side[0].isn),
    /* Zeek's endpoints are by dir, the sides by role: alike when dir 0 opened. */
    SEQ(zeek.end[0].start, side[0].isn, side[0].isn), SEQ(zeek.end[1].start, side[1].isn, side[1].isn),
    SEQ(zeek.end[0].last_seq, zeek.end[0].start, zeek.end[0].start),
    SEQ(zeek.end[0].ack_seq, zeek.end[0].last_seq, zeek.end[0].start),
    SEQ(zeek.end[1].last_seq, zeek.end[1].start, zeek.end[1].start),
    SEQ(zeek.end[1].ack_seq, zeek.end[1].last_seq, zeek.end[1].start),
    SEQ(stream, id, id), SEQ(tuple, id, id),
};
#define N_REL (sizeof rel_fields / sizeof *rel_fields)

/* v as a distance from b, modulo 2^(8*width): 0 stays 0 (most fields
 * start unset), and v = b - K, whose distance would be 0, takes the place
 * 0 would have had.  K = 2 makes both v = b and v = b - 1 one byte (a time
 * equal to the first packet's, a tcp.stream one below the attempt id). */
_Static_assert(sizeof(hs_conn) % 8 == 0, "hs_conn is whole 8-byte groups (the bitmap's)");

enum { K = 2 };

/* The header byte of a packed attempt. */
enum { PACK_XOR_REF = 1 };   /* its bytes are XORed with the reference's */

static uint64_t mask_of(unsigned width) { return width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * width)) - 1; }

static uint64_t to_rel(uint64_t v, uint64_t b, uint64_t m)
{
    if (v == 0)
        return 0;
    uint64_t d = (v - b + K) & m;
    return d ? d : ((K - b) & m);
}

static uint64_t from_rel(uint64_t e, uint64_t b, uint64_t m)
{
    if (e == 0)
        return 0;
    if (e == ((K - b) & m))
        return (b - K) & m;
    return (e + b - K) & m;
}

static uint64_t get(const uint8_t *p, unsigned width)
{
    uint32_t v4;
    uint64_t v8;
    if (width == 4) {
        memcpy(&v4, p, 4);
        return v4;
    }
    memcpy(&v8, p, 8);
    return v8;
}

static void put(uint8_t *p, unsigned width, uint64_t v)
{
    uint32_t v4 = (uint32_t)v;
    if (width == 4)
        memcpy(p, &v4, 4);
    else
        memcpy(p, &v, 8);
}

static unsigned popcount8(uint8_t x)
{
    unsigned n = 0;
    for (; x; x &= (uint8_t)(x - 1))
        n++;
    return n;
}

/* The base of f in b, whose bases are as they are in the struct. */
static uint64_t base_of(const rel_field *f, const uint8_t *b)
{
    uint64_t v = get(b + f->base, f->width);
    return v ? v : get(b + f->root, f->width);
}

/* The struct's bytes with the relative fields replaced. */
static void relative(const hs_conn *c, uint8_t *b)
{
    memcpy(b, c, sizeof(hs_conn));
    for (size_t i = N_REL; i-- > 0;) {
        const rel_field *f = &rel_fields[i];
        put(b + f->at, f->width, to_rel(get(b + f->at, f->width), base_of(f, b), mask_of(f->width)));
    }
}

void hs_conn_pack_ref(const hs_conn *c, uint8_t *ref)
{
    relative(c, ref);
}

static uint64_t group(const uint8_t *b, const uint8_t *ref, size_t g)
{
    uint64_t v, r = 0;
    memcpy(&v, b + g * 8, 8);
    if (ref)
        memcpy(&r, ref + g * 8, 8);
    return v ^ r;
}

/* Non-zero bytes of a group: each byte folded into its low bit, summed. */
static unsigned nonzero_bytes(uint64_t v)
{
    v |= v >> 4;
    v |= v >> 2;
    v |= v >> 1;
    v &= UINT64_C(0x0101010101010101);
    return (unsigned)((v * UINT64_C(0x0101010101010101)) >> 56);
}

/* The bytes sparse() writes for b, XORed with ref if given. */
static size_t sparse_size(const uint8_t *b, const uint8_t *ref)
{
    size_t n = HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++)
        n += nonzero_bytes(group(b, ref, g));
    return n;
}

/* Bitmap and non-zero bytes of b, XORed with ref if given.  The bytes of
 * a group are taken in memory order, whatever the machine's byte order. */
static size_t sparse(const uint8_t *b, const uint8_t *ref, uint8_t *out)
{
    uint8_t *map = out, *p = out + HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++) {
        uint8_t bits = 0;
        if (group(b, ref, g))
            for (unsigned k = 0; k < 8; k++) {
                uint8_t v = b[g * 8 + k] ^ (ref ? ref[g * 8 + k] : 0);
                if (v) {
                    bits |= (uint8_t)(1u << k);
                    *p++ = v;
                }
            }
        map[g] = bits;
    }
    return (size_t)(p - out);
}

size_t hs_conn_pack(const hs_conn *c, const uint8_t *ref, uint8_t *out)
{
    uint8_t b[sizeof(hs_conn)];
    relative(c, b);
    bool xor = ref && sparse_size(b, ref) < sparse_size(b, NULL);
    out[0] = xor ? PACK_XOR_REF : 0;
    return 1 + sparse(b, xor ? ref : NULL, out + 1);
}

size_t hs_conn_packed_size(const uint8_t *in)
{
    size_t n = 1 + HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++)
        n += popcount8(in[1 + g]);
    return n;
}

void hs_conn_unpack(const uint8_t *in, const uint8_t *ref, hs_conn *out)
{
    uint8_t b[sizeof(hs_conn)] = {0};
    const uint8_t *map = in + 1, *p = map + HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++)
        for (uint8_t bits = map[g]; bits; bits &= (uint8_t)(bits - 1)) {
            unsigned k = 0;
            while (!(bits & (1u << k)))
                k++;
            b[g * 8 + k] = *p++;
        }
    if (in[0] & PACK_XOR_REF)
        for (size_t k = 0; k < sizeof b; k++)
            b[k] ^= ref[k];
    for (size_t i = 0; i < N_REL; i++) {
        const rel_field *f = &rel_fields[i];
        put(b + f->at, f->width, from_rel(get(b + f->at, f->width), base_of(f, b), mask_of(f->width)));
    }
    memcpy(out, b, sizeof b);
}
