/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_conn_pack.c - a packed attempt unpacks to the very bytes packed
 * (conn_pack.h), including the values each relative field's mapping
 * treats apart, and an unanswered SYN and a complete connection pack small.
 */
#include "conn_pack.h"

#include "harness.h"

#include <stdlib.h>

/* Packed alone and against ref (if not NULL), c comes back the same. */
static bool round_trips_ref(const hs_conn *c, const hs_conn *ref, size_t *size)
{
    uint8_t buf[HS_PACK_MAX], r[HS_PACK_REF_BYTES];
    if (ref)
        hs_conn_pack_ref(ref, r);
    hs_conn back;
    memset(&back, 0xa5, sizeof back);
    size_t n = hs_conn_pack(c, ref ? r : NULL, buf);
    if (size)
        *size = n;
    hs_conn_unpack(buf, ref ? r : NULL, &back);
    return n <= HS_PACK_MAX && hs_conn_packed_size(buf) == n && memcmp(c, &back, sizeof back) == 0;
}

static bool round_trips(const hs_conn *c, size_t *size)
{
    return round_trips_ref(c, NULL, size) && round_trips_ref(c, c, NULL);
}

/* Random bytes: every field, padding included, comes back. */
static void test_random_bytes(void)
{
    srand(12345);
    hs_conn prev = {0};
    for (int i = 0; i < 20000; i++) {
        hs_conn c;
        uint8_t *p = (uint8_t *)&c;
        int density = i % 5;   /* 0: all bytes random ... 4: mostly zero */
        for (size_t k = 0; k < sizeof c; k++)
            p[k] = (rand() % 5 >= density) ? (uint8_t)rand() : 0;
        CHECK(round_trips(&c, NULL));
        CHECK(round_trips_ref(&c, &prev, NULL));
        prev = c;
    }
}

/* The values the mapping of a relative field moves about: 0, the base
 * itself, base - 1, base - 2 (which takes 0's place), and a zero base. */
static void test_relative_edges(void)
{
    const int64_t t0[] = { 0, 1, 2, 3, -1, INT64_MIN, INT64_MAX, 1700000000123456789LL };
    const uint32_t s0[] = { 0, 1, 2, 3, UINT32_MAX, UINT32_MAX - 1, 0x80000000u, 123456789u };
    const int d[] = { 0, 1, -1, -2, -3, 2, 1000 };
    for (size_t i = 0; i < sizeof t0 / sizeof *t0; i++)
        for (size_t j = 0; j < sizeof d / sizeof *d; j++) {
            hs_conn c = {0};
            c.first_ns = t0[i];
            c.last_ns = c.syn_ns = c.side[1].syn_ns = c.zeek.close_at = (int64_t)((uint64_t)t0[i] + (uint64_t)(int64_t)d[j]);
            c.step_ns[2] = 0;
            c.first_frame = s0[i];
            c.last_frame = c.step_frame[7] = s0[i] + (uint32_t)d[j];
            c.side[0].isn = s0[i];
            c.side[0].fin_seq = c.side[1].ack = s0[i] + (uint32_t)d[j];
            c.id = s0[i];
            c.stream = s0[i] + (uint32_t)d[j];
            CHECK(round_trips(&c, NULL));
        }
}

/* Connection i of the same shape (10 packets, as the benchmark's), with
 * its own ISNs, times, frames and ids. */
static hs_engine *sized_eng;
static void shaped(uint32_t i, const hs_conn **syn, const hs_conn **full, hs_conn bufs[2])
{
    const uint32_t x = 0x9a3f0001u * (i + 1), y = 0x51c20077u * (i + 3), Q = 100, R = 200;
    const struct { uint8_t dir; uint16_t flags; uint32_t seq, ack, len; } p[] = {
        { C, SYN, x, 0, 0 }, { S, SYN | ACK, y, x + 1, 0 }, { C, ACK, x + 1, y + 1, 0 },
        { C, PSH | ACK, x + 1, y + 1, Q }, { S, PSH | ACK, y + 1, x + 1 + Q, R },
        { C, ACK, x + 1 + Q, y + 1 + R, 0 }, { C, FIN | ACK, x + 1 + Q, y + 1 + R, 0 },
        { S, ACK, y + 1 + R, x + 2 + Q, 0 }, { S, FIN | ACK, y + 1 + R, x + 2 + Q, 0 },
        { C, ACK, x + 2 + Q, y + 2 + R, 0 },
    };
    for (uint32_t k = 0; k < 10; k++) {
        hs_segment s = { .time_ns = 1764000000123456789LL + i * 777777 + k * 1500000,
                         .frame = 70000 + i * 10 + k, .seq = p[k].seq, .ack = p[k].ack, .len = p[k].len,
                         .flags = p[k].flags, .dir = p[k].dir, .have = HS_HAVE_ALL | HS_HAVE_WIN,
                         .tuple = 9 + i, .win = 64240 };
        const hs_result *r = hs_engine_add(sized_eng, 8 + i, &s);
        CHECK(r != NULL);
        hs_conn view;
        const hs_conn *c = r ? hs_engine_conn(sized_eng, r->conn, &view) : NULL;
        if (c && (k == 0 || k == 9)) {           /* copies: later segments change the attempt */
            bufs[k == 9] = *c;
            *(k == 9 ? full : syn) = &bufs[k == 9];
        }
    }
}

/* What packing saves: a lone SYN and a complete connection as the engine
 * leaves them, alone and against a reference of the same shape. */
static void test_sizes(void)
{
    sized_eng = hs_engine_new();
    hs_conn a[2], b[2];
    const hs_conn *syn_a = NULL, *full_a = NULL, *syn_b = NULL, *full_b = NULL;   /* full_*: in a[1], b[1] */
    shaped(0, &syn_a, &full_a, a);
    CHECK(syn_a && full_a);
    shaped(1, &syn_b, &full_b, b);
    CHECK(syn_b && full_b);
    size_t syn = 0, full = 0, syn_ref = 0, full_ref = 0;
    (void)syn_a;
    (void)syn_b;
    if (full_a && full_b) {
        CHECK(round_trips(full_b, &full));
        CHECK(round_trips_ref(full_b, full_a, &full_ref));
    }
    printf("packed: a complete connection %zu bytes, %zu against another (hs_conn: %zu)\n",
           full, full_ref, sizeof(hs_conn));
    CHECK(full > 0 && full <= 180);   /* the bitmap alone is sizeof(hs_conn) / 8 bytes */
    CHECK(full_ref > 0 && full_ref <= 90);
    hs_engine_free(sized_eng);

    /* Two unanswered SYNs. */
    hs_engine *eng = hs_engine_new();
    hs_conn c[2];
    for (uint32_t i = 0; i < 2; i++) {
        hs_segment s = { .time_ns = 1764000000123456789LL + i * 7000, .frame = 1 + i, .seq = 0x9a3f0001u * (i + 1),
                         .flags = SYN, .dir = C, .have = HS_HAVE_ALL | HS_HAVE_WIN, .tuple = 1 + i, .win = 64240 };
        const hs_result *r = hs_engine_add(eng, i, &s);
        hs_conn buf;
        const hs_conn *p = r ? hs_engine_conn(eng, r->conn, &buf) : NULL;
        CHECK(p != NULL);
        if (p)
            c[i] = *p;
    }
    CHECK(round_trips(&c[1], &syn));
    CHECK(round_trips_ref(&c[1], &c[0], &syn_ref));
    printf("packed: an unanswered SYN %zu bytes, %zu against another\n", syn, syn_ref);
    CHECK(syn > 0 && syn <= 110);
    CHECK(syn_ref > 0 && syn_ref <= 70);
    hs_engine_free(eng);
}

/* When the engine packs: an attempt quiet for the cold frames is packed
 * (hs_engine_conn() then needs a buffer), and its next segment unpacks it
 * and carries on from the very same state. */
static void test_engine_packs_cold(void)
{
    hs_engine *eng = hs_engine_new();
    hs_engine_set_cold_frames(eng, 10);
    hs_segment a = { .time_ns = 1000, .frame = 1, .seq = 100, .flags = SYN, .dir = C, .have = HS_HAVE_ALL, .tuple = 1 };
    const hs_result *r = hs_engine_add(eng, 0, &a);
    CHECK(r && r->conn == 1 && hs_engine_conn(eng, 1, NULL) != NULL);   /* just touched: full */
    hs_conn before, buf;
    memcpy(&before, hs_engine_conn(eng, 1, &buf), sizeof before);
    for (uint32_t f = 2; f <= 30; f++) {            /* other attempts go by */
        hs_segment o = { .time_ns = 1000 + f, .frame = f, .seq = f * 1000, .flags = SYN, .dir = C,
                         .have = HS_HAVE_ALL, .tuple = f };
        CHECK(hs_engine_add(eng, f, &o) != NULL);
    }
    CHECK(hs_engine_conn(eng, 1, NULL) == NULL);                         /* cold: packed */
    const hs_conn *c = hs_engine_conn(eng, 1, &buf);
    CHECK(c == &buf && memcmp(c, &before, sizeof before) == 0);
    CHECK(hs_engine_conn(eng, 30, NULL) != NULL);                        /* still full */
    hs_segment b = { .time_ns = 2000, .frame = 31, .seq = 500, .ack = 101, .flags = SYN | ACK, .dir = S,
                     .have = HS_HAVE_ALL };
    r = hs_engine_add(eng, 0, &b);
    CHECK(r && r->conn == 1 && r->step[0] == HS_STEP_SYNACK && (r->flags & HS_RES_VALID));
    c = hs_engine_conn(eng, 1, NULL);
    CHECK(c != NULL && c->packets == 2 && c->step_frame[HS_STEP_SYN] == 1 && c->step_frame[HS_STEP_SYNACK] == 31);
    hs_engine_free(eng);
}

int main(void)
{
    RUN(test_engine_packs_cold);
    RUN(test_random_bytes);
    RUN(test_relative_edges);
    RUN(test_sizes);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
