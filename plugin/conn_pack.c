/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_pack.c - pack and unpack a connection attempt (conn_pack.h).
 *
 * Two steps each way.  Packing: (1) fields that sit near a base field are
 * replaced by their distance from it; (2) the bytes are written as a bitmap
 * of the non-zero ones followed by those bytes.  Unpacking reverses (2),
 * then (1), reading each base before the fields relative to it (no base
 * is itself relative).
 */
#include "conn_pack.h"

#include <string.h>

/* A field kept as its distance from a base field of the same width. */
typedef struct rel_field { uint16_t at, base; uint8_t width; } rel_field;

#define T64(f)      { (uint16_t)offsetof(hs_conn, f), (uint16_t)offsetof(hs_conn, first_ns), 8 }
#define FRAME(f)    { (uint16_t)offsetof(hs_conn, f), (uint16_t)offsetof(hs_conn, first_frame), 4 }
#define SEQ(f, b)   { (uint16_t)offsetof(hs_conn, f), (uint16_t)offsetof(hs_conn, b), 4 }

static const rel_field rel_fields[] = {
    T64(last_ns), T64(step_ns[1]), T64(step_ns[2]), T64(step_ns[3]),
    T64(syn_ns), T64(open_ns), T64(fin_ns), T64(closed_ns),
    T64(side[0].syn_ns), T64(side[1].syn_ns),
    T64(zeek.last_ns), T64(zeek.attempt_at), T64(zeek.close_at),
    FRAME(last_frame), FRAME(step_frame[1]), FRAME(step_frame[2]), FRAME(step_frame[3]),
    FRAME(step_frame[4]), FRAME(step_frame[5]), FRAME(step_frame[6]), FRAME(step_frame[7]),
    FRAME(side[0].challenged), FRAME(side[1].challenged),
    SEQ(side[0].fin_seq, side[0].isn), SEQ(side[0].next_seq, side[0].isn),
    SEQ(side[1].fin_seq, side[1].isn), SEQ(side[1].next_seq, side[1].isn),
    SEQ(side[0].ack, side[1].isn), SEQ(side[1].ack, side[0].isn),
    SEQ(zeek.end[0].last_seq, zeek.end[0].start), SEQ(zeek.end[0].ack_seq, zeek.end[0].start),
    SEQ(zeek.end[1].last_seq, zeek.end[1].start), SEQ(zeek.end[1].ack_seq, zeek.end[1].start),
    SEQ(stream, id), SEQ(tuple, id),
};

/* v as a distance from b, modulo 2^(8*width): 0 stays 0 (most fields
 * start unset), and v = b - K, whose distance would be 0, takes the place
 * 0 would have had.  K = 2 makes both v = b and v = b - 1 one byte (a time
 * equal to the first packet's, a tcp.stream one below the attempt id). */
enum { K = 2 };

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

size_t hs_conn_pack(const hs_conn *c, uint8_t *out)
{
    uint8_t b[sizeof(hs_conn)];
    memcpy(b, c, sizeof b);
    for (size_t i = 0; i < sizeof rel_fields / sizeof *rel_fields; i++) {
        const rel_field *f = &rel_fields[i];
        uint64_t m = mask_of(f->width);
        put(b + f->at, f->width, to_rel(get(b + f->at, f->width), get(b + f->base, f->width), m));
    }
    uint8_t *map = out, *p = out + HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++) {
        uint8_t bits = 0;
        for (unsigned k = 0; k < 8 && g * 8 + k < sizeof b; k++) {
            uint8_t v = b[g * 8 + k];
            if (v) {
                bits |= (uint8_t)(1u << k);
                *p++ = v;
            }
        }
        map[g] = bits;
    }
    return (size_t)(p - out);
}

size_t hs_conn_packed_size(const uint8_t *in)
{
    size_t n = HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++)
        n += popcount8(in[g]);
    return n;
}

void hs_conn_unpack(const uint8_t *in, hs_conn *out)
{
    uint8_t b[sizeof(hs_conn)] = {0};
    const uint8_t *p = in + HS_PACK_MAP_BYTES;
    for (size_t g = 0; g < HS_PACK_MAP_BYTES; g++)
        for (uint8_t bits = in[g]; bits; bits &= (uint8_t)(bits - 1)) {
            unsigned k = 0;
            while (!(bits & (1u << k)))
                k++;
            b[g * 8 + k] = *p++;
        }
    for (size_t i = 0; i < sizeof rel_fields / sizeof *rel_fields; i++) {
        const rel_field *f = &rel_fields[i];
        uint64_t m = mask_of(f->width);
        put(b + f->at, f->width, from_rel(get(b + f->at, f->width), get(b + f->base, f->width), m));
    }
    memcpy(out, b, sizeof b);
}
