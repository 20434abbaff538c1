/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_diagnosis.c - unit tests of SPEC section 10's who-stopped-it rules
 * (diagnosis.c) and of ICMP errors linked to attempts (hs_engine_icmp()).
 * Pure C: no Wireshark involved.
 *
 * Each test feeds a short script of segments ("C" = client/dir 0 sends,
 * "S" = server/dir 1 sends), now with their IP headers' hop count (TTL)
 * and IPv4 identification, or TCP options, and checks what the rules
 * made of them.  Built twice, like test_engine.c: the *_packed build packs
 * every attempt after each of its segments.
 */
#include "engine.h"
#include "diagnosis.h"
#include "labels.h"

#include "harness.h"

#define NO (-1)            /* no TTL or IP ID in the segment's header */
#define MS_NS INT64_C(10000000)

/* One segment: TCP numbers, its IP header (NO: absent), its options. */
typedef struct dpkt {
    uint8_t  dir;
    uint16_t flags;
    uint32_t seq, ack, len;
    int      ttl, ipid;
    uint8_t  opts;
    uint16_t mss;
} dpkt;

/* With a hop count; with a hop count and an IP ID; with options. */
#define T(d, f, sq, ak, ln, tl)        { (d), (f), (sq), (ak), (ln), (tl), NO, 0, 0 }
#define TI(d, f, sq, ak, ln, tl, id)   { (d), (f), (sq), (ak), (ln), (tl), (id), 0, 0 }
#define I(d, f, sq, ak, ln, id)        { (d), (f), (sq), (ak), (ln), NO, (id), 0, 0 }
#define O(d, f, sq, ak, ln, op, ms)    { (d), (f), (sq), (ak), (ln), NO, NO, (op), (ms) }
#define P(d, f, sq, ak, ln)            { (d), (f), (sq), (ak), (ln), NO, NO, 0, 0 }

/* Frames 1..n of stream 0 into a fresh engine, frame f at f * 10 ms. */
typedef struct run { hs_engine *eng; const hs_result *r[64]; int n; } run;

static hs_segment seg_of(const dpkt *p, uint32_t frame)
{
    hs_segment s = {
        .time_ns = (int64_t)frame * MS_NS, .frame = frame, .seq = p->seq, .ack = p->ack, .len = p->len,
        .flags = p->flags, .dir = p->dir, .have = HS_HAVE_ALL, .opts = p->opts, .mss = p->mss,
    };
    if (p->ttl != NO) {
        s.have |= HS_HAVE_TTL;
        s.ttl = (uint8_t)p->ttl;
    }
    if (p->ipid != NO) {
        s.have |= HS_HAVE_IPID;
        s.ipid = (uint16_t)p->ipid;
    }
    return s;
}

static run feed(const dpkt *p, int n)
{
    run rn = { hs_engine_new(), { 0 }, n };
    for (int i = 0; i < n; i++) {
        hs_segment s = seg_of(&p[i], (uint32_t)i + 1);
        rn.r[i + 1] = ADD(rn.eng, 0, &s);
    }
    return rn;
}

static const hs_conn *conn(const run *rn, int frame)
{
    return rn->r[frame] ? conn_of(rn->eng, rn->r[frame]->conn) : NULL;
}

/* The attempt as it stood after the first n segments of p. */
static hs_conn conn_after(const dpkt *p, int n)
{
    run rn = feed(p, n);
    hs_conn c = *conn(&rn, n);
    hs_engine_free(rn.eng);
    return c;
}

static bool anomaly(const run *rn, int frame, enum hs_anomaly a)
{
    return rn->r[frame] && (rn->r[frame]->anomalies & HS_AN_BIT(a));
}

/* The frames of the run that raised anomaly a, as a bit mask (bit f). */
static uint64_t frames_with(const run *rn, enum hs_anomaly a)
{
    uint64_t m = 0;
    for (int f = 1; f <= rn->n; f++)
        if (anomaly(rn, f, a))
            m |= UINT64_C(1) << f;
    return m;
}
#define FRAME_BIT(f) (UINT64_C(1) << (f))

static const char *origin(const run *rn, int frame)
{
    const char *o = rn->r[frame] ? hs_origin_name((hs_origin)rn->r[frame]->origin) : "(null)";
    return o ? o : "none";
}

/* ---- RST origin: hop counts ------------------------------------------------ */

/* An RST whose hop count is within its sender's earlier range came from its sender. */
static void test_rst_origin_peer(void)
{
    dpkt p[] = {                                          /* the initiator's range: 63..64 */
        T(C, SYN, 1000, 0, 0, 63), T(S, SYN | ACK, 5000, 1001, 0, 50), T(C, ACK, 1001, 5001, 0, 64),
        T(C, ACK | PSH, 1001, 5001, 10, 63), T(S, ACK, 5001, 1011, 0, 50),
        T(C, RST | ACK, 1011, 5001, 0, 63),
    };
    run rn = feed(p, 6);
    const hs_result *r = rn.r[6];
    CHECK(r->label == HS_LBL_RST_ABORT);
    CHECK(r->origin == HS_ORIGIN_PEER);
    CHECK_STR(origin(&rn, 6), "peer");
    CHECK(r->evidence == HS_EVID_TTL_SEEN);
    CHECK(r->ttl == 63 && r->ttl_delta == 0);
    CHECK(!anomaly(&rn, 6, HS_AN_RST_INJECTED));
    CHECK(!(conn(&rn, 6)->anomalies & HS_AN_BIT(HS_AN_RST_INJECTED)));
    for (int f = 1; f <= 5; f++)                          /* only RSTs get an origin */
        CHECK(rn.r[f]->origin == HS_ORIGIN_NONE && rn.r[f]->evidence == 0);
    hs_engine_free(rn.eng);
    p[5].ttl = 64;                                        /* the range's other end */
    rn = feed(p, 6);
    CHECK(rn.r[6]->origin == HS_ORIGIN_PEER && rn.r[6]->ttl == 64 && rn.r[6]->ttl_delta == 0);
    hs_engine_free(rn.eng);
}

/* An RST whose hop count is outside its sender's range: a middlebox, by
 * the distance to the nearest end of the range; RSTs do not widen it. */
static void test_rst_origin_middlebox_ttl(void)
{
    /* The responder's range: 50; the initiator's: 63..64. */
    const dpkt q[] = {
        T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, 50), T(C, ACK, 1001, 5001, 0, 63),
        T(C, ACK | PSH, 1001, 5001, 10, 64),
        T(S, RST, 5001, 0, 0, 51),                         /* 5: above the responder's 50 */
        T(S, RST, 5001, 0, 0, 51),                         /* 6: the first RST did not widen it */
        T(C, RST, 1011, 0, 0, 62),                         /* 7: below the initiator's 63..64 */
        T(C, RST, 1011, 0, 0, 65),                         /* 8: above it */
        T(C, RST, 1011, 0, 0, 64),                         /* 9: its top: the peer */
    };
    run rn = feed(q, 9);
    for (int f = 5; f <= 8; f++) {
        const hs_result *r = rn.r[f];
        CHECK(r->origin == HS_ORIGIN_MIDDLEBOX);
        CHECK(r->evidence == (HS_EVID_TTL_SEEN | HS_EVID_TTL));
        CHECK(anomaly(&rn, f, HS_AN_RST_INJECTED));
    }
    CHECK_STR(origin(&rn, 5), "middlebox suspected");
    CHECK(rn.r[5]->ttl == 51 && rn.r[5]->ttl_delta == 1);
    CHECK(rn.r[6]->ttl == 51 && rn.r[6]->ttl_delta == 1);
    CHECK(rn.r[7]->ttl == 62 && rn.r[7]->ttl_delta == -1);
    CHECK(rn.r[8]->ttl == 65 && rn.r[8]->ttl_delta == 1);
    CHECK(rn.r[9]->origin == HS_ORIGIN_PEER && rn.r[9]->ttl_delta == 0);
    CHECK(!anomaly(&rn, 9, HS_AN_RST_INJECTED));
    CHECK(conn(&rn, 9)->anomalies & HS_AN_BIT(HS_AN_RST_INJECTED));
    hs_engine_free(rn.eng);
}

/* An RST from a side that sent nothing before has nothing to be compared with. */
static void test_rst_origin_none(void)
{
    const dpkt lone[] = { TI(C, RST, 1000, 0, 0, 64, 7) };
    run rn = feed(lone, 1);
    CHECK(rn.r[1]->origin == HS_ORIGIN_NONE && rn.r[1]->evidence == 0);
    CHECK(rn.r[1]->ttl == 0 && rn.r[1]->ttl_delta == 0 && rn.r[1]->ipid == 0);
    CHECK(!anomaly(&rn, 1, HS_AN_RST_INJECTED));
    CHECK_STR(origin(&rn, 1), "none");
    hs_engine_free(rn.eng);

    /* A refusal: the responder's first packet is its RST. */
    const dpkt refused[] = { TI(C, SYN, 1000, 0, 0, 64, 1), TI(C, SYN, 1000, 0, 0, 64, 2),
                             TI(C, SYN, 1000, 0, 0, 64, 3), TI(S, RST | ACK, 0, 1001, 0, 200, 40000) };
    rn = feed(refused, 4);
    CHECK(rn.r[4]->label == HS_LBL_RST_REFUSED);
    CHECK(rn.r[4]->origin == HS_ORIGIN_NONE && rn.r[4]->evidence == 0);
    CHECK(!anomaly(&rn, 4, HS_AN_RST_INJECTED));
    hs_engine_free(rn.eng);

    /* Earlier packets without a hop count, or an RST without one: no comparison. */
    const dpkt no_ttl[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                            T(C, RST, 1001, 0, 0, 10), T(S, ACK, 5001, 1001, 0, 50), P(S, RST, 5001, 0, 0) };
    rn = feed(no_ttl, 6);
    CHECK(rn.r[4]->origin == HS_ORIGIN_NONE && rn.r[4]->evidence == 0);
    CHECK(rn.r[6]->origin == HS_ORIGIN_NONE && rn.r[6]->evidence == 0);
    hs_engine_free(rn.eng);
}

/* Hop counts 0 and 255 are numbers like any other. */
static void test_rst_origin_ttl_extremes(void)
{
    const dpkt low[] = { T(C, SYN, 1000, 0, 0, 0), T(S, SYN | ACK, 5000, 1001, 0, 255),
                         T(C, ACK, 1001, 5001, 0, 0), T(C, RST, 1001, 0, 0, 0), T(C, RST, 1001, 0, 0, 1),
                         T(S, RST, 5001, 0, 0, 255), T(S, RST, 5001, 0, 0, 254) };
    run rn = feed(low, 7);
    CHECK(rn.r[4]->origin == HS_ORIGIN_PEER && rn.r[4]->ttl == 0 && rn.r[4]->ttl_delta == 0);
    CHECK(rn.r[4]->evidence == HS_EVID_TTL_SEEN);           /* TTL 0 is a hop count, not "unknown" */
    CHECK(rn.r[5]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[5]->ttl == 1 && rn.r[5]->ttl_delta == 1);
    CHECK(rn.r[6]->origin == HS_ORIGIN_PEER && rn.r[6]->ttl == 255 && rn.r[6]->ttl_delta == 0);
    CHECK(rn.r[7]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[7]->ttl == 254 && rn.r[7]->ttl_delta == -1);
    hs_engine_free(rn.eng);

    /* Wide gaps keep their size and sign, up to the widest (+-255): an
     * injector at 255 near a Linux host's 52 is 198 hops nearer, not 58 further. */
    const dpkt wide[] = { T(C, SYN, 1000, 0, 0, 128), T(S, SYN | ACK, 5000, 1001, 0, 127),
                          T(C, ACK, 1001, 5001, 0, 128), T(C, RST, 1001, 0, 0, 255), T(C, RST, 1001, 0, 0, 1),
                          T(S, RST, 5001, 0, 0, 0), T(S, RST, 5001, 0, 0, 255) };
    rn = feed(wide, 7);
    CHECK(rn.r[4]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[4]->ttl_delta == 127);
    CHECK(rn.r[5]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[5]->ttl_delta == -127);
    CHECK(rn.r[6]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[6]->ttl_delta == -127);
    CHECK(rn.r[7]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[7]->ttl_delta == 128);
    hs_engine_free(rn.eng);
    const dpkt widest[] = { T(C, SYN, 1000, 0, 0, 0), T(S, SYN | ACK, 5000, 1001, 0, 255),
                            T(C, ACK, 1001, 5001, 0, 0), T(C, RST, 1001, 0, 0, 255), T(S, RST, 5001, 0, 0, 0),
                            T(S, RST, 5001, 0, 0, 52) };
    rn = feed(widest, 6);
    CHECK(rn.r[4]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[4]->ttl_delta == 255);
    CHECK(rn.r[5]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[5]->ttl_delta == -255);
    CHECK(rn.r[6]->ttl_delta == 52 - 255);
    hs_engine_free(rn.eng);
    const dpkt injector[] = { T(C, SYN, 1000, 0, 0, 52), T(S, SYN | ACK, 5000, 1001, 0, 52),
                              T(C, ACK, 1001, 5001, 0, 52), T(S, RST, 5001, 0, 0, 250) };
    rn = feed(injector, 4);
    CHECK(rn.r[4]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[4]->ttl_delta == 198);
    hs_engine_free(rn.eng);
}

/* ---- RST origin: IPv4 identification --------------------------------------- */

/* Sequential IDs (3 packets, steps 1..1024), then an RST whose ID is not
 * 1..8192 above the last: a middlebox, even with the right hop count;
 * within that (a host-wide counter moved on meanwhile): the peer. */
static void test_rst_origin_ipid(void)
{
    const dpkt base[] = { TI(C, SYN, 1000, 0, 0, 64, 100), TI(S, SYN | ACK, 5000, 1001, 0, 50, 9),
                          TI(C, ACK, 1001, 5001, 0, 64, 101), TI(C, ACK | PSH, 1001, 5001, 10, 64, 102) };
    static const struct { int id; bool injected; } cases[] = {
        { 40000, true }, { 103, false }, { 102 + 1024, false }, { 102 + 1025, false },
        { 102 + 8192, false }, { 102 + 8193, true },
        { 102, true },                                       /* the same ID again: step 0 */
        { 101, true },                                       /* backwards */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        dpkt p[5];
        memcpy(p, base, sizeof base);
        p[4] = (dpkt)TI(C, RST, 1011, 0, 0, 64, cases[k].id);
        run rn = feed(p, 5);
        const hs_result *r = rn.r[5];
        CHECK(r->evidence == (HS_EVID_TTL_SEEN | HS_EVID_IPID_SEEN | (cases[k].injected ? HS_EVID_IPID : 0)));
        CHECK(r->origin == (cases[k].injected ? HS_ORIGIN_MIDDLEBOX : HS_ORIGIN_PEER));
        CHECK(anomaly(&rn, 5, HS_AN_RST_INJECTED) == cases[k].injected);
        CHECK(r->ipid == (uint16_t)cases[k].id && r->ipid_last == 102);
        CHECK(r->ttl_delta == 0);
        if (r->evidence != (HS_EVID_TTL_SEEN | HS_EVID_IPID_SEEN | (cases[k].injected ? HS_EVID_IPID : 0)))
            fprintf(stderr, "  case RST id %d\n", cases[k].id);
        hs_engine_free(rn.eng);
    }
}

/* IP IDs: 3 packets make a run, 2 do not; a jump before the run is
 * sequential restarts it; an ID of 0 (on the RST: no evidence; before it:
 * skipped) says nothing; the counter wraps. */
static void test_rst_origin_ipid_runs(void)
{
    const dpkt two[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                         I(C, ACK, 1001, 5001, 0, 101), I(C, RST, 1001, 0, 0, 40000) };
    run rn = feed(two, 4);
    CHECK(rn.r[4]->evidence == 0 && rn.r[4]->origin == HS_ORIGIN_NONE);
    CHECK(rn.r[4]->ipid == 0 && rn.r[4]->ipid_last == 0);
    hs_engine_free(rn.eng);

    const dpkt scattered[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                               I(C, ACK, 1001, 5001, 0, 5000), I(C, ACK | PSH, 1001, 5001, 10, 9000),
                               I(C, RST, 1011, 0, 0, 20000) };
    rn = feed(scattered, 5);
    CHECK(rn.r[5]->evidence == 0 && rn.r[5]->origin == HS_ORIGIN_NONE);
    CHECK(!anomaly(&rn, 5, HS_AN_RST_INJECTED));
    hs_engine_free(rn.eng);

    /* 100, 101, 40000 (restart: the run was not sequential yet), 40001, then
     * an RST: the run is 40000..40001, too short; with 40002 it is long enough. */
    dpkt restart[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                       I(C, ACK, 1001, 5001, 0, 101), I(C, ACK | PSH, 1001, 5001, 10, 40000),
                       I(C, ACK | PSH, 1011, 5001, 10, 40001), I(C, RST, 1021, 0, 0, 7),
                       I(C, RST, 1031, 0, 0, 7) };
    rn = feed(restart, 6);
    CHECK(rn.r[6]->evidence == 0 && rn.r[6]->origin == HS_ORIGIN_NONE);
    hs_engine_free(rn.eng);
    restart[5] = (dpkt)I(C, ACK | PSH, 1021, 5001, 10, 40002);
    rn = feed(restart, 7);
    CHECK(rn.r[7]->evidence == (HS_EVID_IPID_SEEN | HS_EVID_IPID) && rn.r[7]->ipid_last == 40002);
    CHECK(rn.r[7]->origin == HS_ORIGIN_MIDDLEBOX);
    hs_engine_free(rn.eng);

    /* Steps of 1..1024 follow: 1024 does, 1025 breaks the run, the same ID
     * twice too (each RST: far from the last ID). */
    static const struct { int third; bool seq; } steps[] = { { 101 + 1024, true }, { 101 + 1025, false },
                                                             { 101, false }, { 102, true } };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        const dpkt q[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                           I(C, ACK, 1001, 5001, 0, 101), I(C, ACK | PSH, 1001, 5001, 10, steps[k].third),
                           I(C, RST, 1011, 0, 0, (steps[k].third + 30000) & 0xffff) };
        rn = feed(q, 5);
        CHECK(rn.r[5]->evidence == (steps[k].seq ? HS_EVID_IPID_SEEN | HS_EVID_IPID : 0));
        hs_engine_free(rn.eng);
    }

    /* ID 0 on the RST: no IP-ID evidence (Linux's socketless RSTs). */
    const dpkt zero[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                          I(C, ACK, 1001, 5001, 0, 101), I(C, ACK | PSH, 1001, 5001, 10, 102),
                          I(C, RST, 1011, 0, 0, 0) };
    rn = feed(zero, 5);
    CHECK(rn.r[5]->evidence == 0 && rn.r[5]->origin == HS_ORIGIN_NONE && rn.r[5]->ipid == 0);
    hs_engine_free(rn.eng);

    /* ID 0 between sequential ones is skipped; 65534, 65535, 1 wrap and follow. */
    const dpkt wrap[] = { I(C, SYN, 1000, 0, 0, 65534), I(S, SYN | ACK, 5000, 1001, 0, 9),
                          I(C, ACK, 1001, 5001, 0, 0), I(C, ACK, 1001, 5001, 0, 65535),
                          I(C, ACK | PSH, 1001, 5001, 10, 1), I(C, RST, 1011, 0, 0, 2) };
    rn = feed(wrap, 6);
    CHECK(rn.r[6]->evidence == HS_EVID_IPID_SEEN && rn.r[6]->origin == HS_ORIGIN_PEER);
    CHECK(rn.r[6]->ipid == 2 && rn.r[6]->ipid_last == 1);
    hs_engine_free(rn.eng);
}

/* Against a sequential run, an ID that does not follow is an odd one out
 * (a packet injected in the sender's name) and leaves the run alone; if the
 * next follows the odd one, the sender's counter jumped: the run starts over. */
static void test_rst_origin_ipid_odd_one_out(void)
{
    dpkt p[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                 I(C, ACK, 1001, 5001, 0, 101), I(C, ACK | PSH, 1001, 5001, 10, 102),
                 I(C, ACK, 1011, 5001, 0, 50000),             /* 5: odd one out */
                 I(C, ACK | PSH, 1011, 5001, 10, 103),        /* 6: the run goes on */
                 I(C, RST, 1021, 0, 0, 50001) };              /* 7: follows the odd one, not the run */
    run rn = feed(p, 7);
    CHECK(rn.r[7]->evidence == (HS_EVID_IPID_SEEN | HS_EVID_IPID) && rn.r[7]->ipid_last == 103);
    CHECK(rn.r[7]->origin == HS_ORIGIN_MIDDLEBOX);
    hs_engine_free(rn.eng);

    p[5] = (dpkt)I(C, ACK | PSH, 1011, 5001, 10, 50001);      /* 6: follows 50000: a jump */
    p[6] = (dpkt)I(C, RST, 1021, 0, 0, 7);
    rn = feed(p, 7);
    CHECK(rn.r[7]->evidence == 0);                          /* the new run: 50000..50001, one step */
    hs_engine_free(rn.eng);

    const dpkt q[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                       I(C, ACK, 1001, 5001, 0, 101), I(C, ACK | PSH, 1001, 5001, 10, 102),
                       I(C, ACK, 1011, 5001, 0, 50000), I(C, ACK | PSH, 1011, 5001, 10, 50001),
                       I(C, ACK | PSH, 1021, 5001, 10, 50002), I(C, RST, 1031, 0, 0, 103) };
    rn = feed(q, 8);
    CHECK(rn.r[8]->evidence == (HS_EVID_IPID_SEEN | HS_EVID_IPID) && rn.r[8]->ipid_last == 50002);
    hs_engine_free(rn.eng);
}

/* A side without its socket (reset already, or closed: TIME_WAIT) answers
 * with IDs of another counter: no IP-ID evidence, hop counts still count. */
static void test_rst_origin_ipid_no_socket(void)
{
    const dpkt reset[] = { TI(C, SYN, 1000, 0, 0, 64, 100), TI(S, SYN | ACK, 5000, 1001, 0, 50, 9),
                           TI(C, ACK, 1001, 5001, 0, 64, 101), TI(C, ACK | PSH, 1001, 5001, 10, 64, 102),
                           TI(C, RST, 1011, 0, 0, 64, 103), TI(C, RST, 1011, 0, 0, 64, 30000),
                           TI(C, RST, 1011, 0, 0, 65, 30001) };
    run rn = feed(reset, 7);
    CHECK(rn.r[5]->evidence == (HS_EVID_TTL_SEEN | HS_EVID_IPID_SEEN) && rn.r[5]->origin == HS_ORIGIN_PEER);
    CHECK(conn(&rn, 7)->flags & HS_CONN_RST_PEER);
    CHECK(rn.r[6]->evidence == HS_EVID_TTL_SEEN && rn.r[6]->origin == HS_ORIGIN_PEER);
    CHECK(rn.r[6]->ipid == 0 && rn.r[6]->ipid_last == 0);
    CHECK(rn.r[7]->evidence == (HS_EVID_TTL_SEEN | HS_EVID_TTL) && rn.r[7]->origin == HS_ORIGIN_MIDDLEBOX);
    hs_engine_free(rn.eng);

    const dpkt closed[] = { I(C, SYN, 1000, 0, 0, 100), I(S, SYN | ACK, 5000, 1001, 0, 9),
                            I(C, ACK, 1001, 5001, 0, 101), I(C, FIN | ACK, 1001, 5001, 0, 102),
                            I(S, FIN | ACK, 5001, 1002, 0, 10), I(C, ACK, 1002, 5002, 0, 103),
                            I(C, RST, 1002, 0, 0, 30000) };
    rn = feed(closed, 7);
    CHECK(rn.r[6]->kstate[HS_INITIATOR] == HS_K_TIME_WAIT);
    CHECK(rn.r[7]->evidence == 0 && rn.r[7]->origin == HS_ORIGIN_NONE);
    hs_engine_free(rn.eng);
}

/* ---- SYN proxy ------------------------------------------------------------ */

/* The responder's first packet after its SYN+ACK with another hop count: a
 * SYN proxy answered the SYN (once, on that packet; delta = SYN+ACK's - its). */
static void test_synack_proxy(void)
{
    const dpkt p[] = {
        T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, 64), T(C, ACK, 1001, 5001, 0, 64),
        T(C, ACK | PSH, 1001, 5001, 10, 64), T(S, ACK, 5001, 1011, 0, 63),
        T(S, ACK | PSH, 5001, 1011, 20, 63), T(S, ACK | PSH, 5021, 1011, 20, 62),
        T(S, RST, 5041, 0, 0, 63),
    };
    run rn = feed(p, 8);
    CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == FRAME_BIT(5));
    const hs_conn *c = conn(&rn, 8);
    CHECK(c->flags & HS_CONN_SYNACK_TTL);
    CHECK(c->synack_ttl == 64 && c->synack_ttl_delta == 1);
    CHECK(c->anomalies & HS_AN_BIT(HS_AN_SYNACK_PROXY));
    /* From there the responder's range starts over (63..62): its RST at 63 is its own. */
    CHECK(rn.r[8]->origin == HS_ORIGIN_PEER && rn.r[8]->ttl_delta == 0);
    hs_engine_free(rn.eng);

    /* ... and an RST at the proxy's 64 is not the server's. */
    const dpkt q[] = {
        T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, 64), T(C, ACK, 1001, 5001, 0, 64),
        T(S, ACK | PSH, 5001, 1001, 20, 63), T(S, RST, 5021, 0, 0, 64),
    };
    rn = feed(q, 5);
    CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == FRAME_BIT(4));
    CHECK(rn.r[5]->origin == HS_ORIGIN_MIDDLEBOX && rn.r[5]->ttl_delta == 1);
    hs_engine_free(rn.eng);
}

/* A SYN proxy's own packet first (Linux SYNPROXY's window update, at the
 * SYN+ACK's hop count): the proxy is seen at the server's first packet. */
static void test_synack_proxy_window_update(void)
{
    const dpkt p[] = {
        T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, 64), T(C, ACK, 1001, 5001, 0, 64),
        T(S, ACK, 5001, 1001, 0, 64),                          /* the proxy's window update */
        T(C, ACK | PSH, 1001, 5001, 10, 64), T(S, ACK | PSH, 5001, 1011, 20, 63),
    };
    run rn = feed(p, 6);
    CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == FRAME_BIT(6));
    hs_conn c4 = conn_after(p, 4);
    CHECK((c4.flags & HS_CONN_SYNACK_TTL) && c4.synack_ttl_delta == 0);
    CHECK(conn(&rn, 6)->synack_ttl_delta == 1);
    hs_engine_free(rn.eng);
}

/* All of the responder's packets at the SYN+ACK's hop count: delta 0, no
 * proxy; no hop counts at all: nothing known. */
static void test_synack_no_proxy(void)
{
    const dpkt p[] = {
        T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, 57), T(C, ACK, 1001, 5001, 0, 64),
        T(C, ACK | PSH, 1001, 5001, 10, 64), T(S, ACK | PSH, 5001, 1011, 20, 57),
        T(S, FIN | ACK, 5021, 1011, 0, 57),
    };
    run rn = feed(p, 6);
    const hs_conn *c = conn(&rn, 6);
    CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == 0);
    CHECK((c->flags & HS_CONN_SYNACK_TTL) && c->synack_ttl == 57 && c->synack_ttl_delta == 0);
    hs_engine_free(rn.eng);

    const dpkt q[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                       T(S, ACK | PSH, 5001, 1001, 20, 50) };
    rn = feed(q, 4);
    c = conn(&rn, 4);
    CHECK(!(c->flags & HS_CONN_SYNACK_TTL) && c->synack_ttl == 0 && c->synack_ttl_delta == 0);
    CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == 0);
    hs_engine_free(rn.eng);
}

/* SYN+ACK hop counts 0 and 255 are numbers like any other: the delta keeps
 * its size and sign (a proxy at 255 in front of a server at 60: +195). */
static void test_synack_proxy_ttl_extremes(void)
{
    static const struct { int synack, later, delta; } k[] = {
        { 255, 60, 195 }, { 0, 60, -60 }, { 255, 0, 255 }, { 0, 255, -255 }, { 0, 0, 0 }, { 255, 255, 0 },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        const dpkt p[] = { T(C, SYN, 1000, 0, 0, 64), T(S, SYN | ACK, 5000, 1001, 0, k[i].synack),
                           T(C, ACK, 1001, 5001, 0, 64), T(S, ACK | PSH, 5001, 1001, 10, k[i].later) };
        run rn = feed(p, 4);
        const hs_conn *c = conn(&rn, 4);
        CHECK(c->flags & HS_CONN_SYNACK_TTL);
        CHECK(c->synack_ttl == k[i].synack && c->synack_ttl_delta == k[i].delta);
        CHECK(frames_with(&rn, HS_AN_SYNACK_PROXY) == (k[i].delta ? FRAME_BIT(4) : 0));
        if (c->synack_ttl_delta != k[i].delta)
            fprintf(stderr, "  SYN+ACK %d, then %d: delta %d\n", k[i].synack, k[i].later, (int)c->synack_ttl_delta);
        hs_engine_free(rn.eng);
    }
}

/* ---- listen overflow ------------------------------------------------------- */

/* The responder's SYN+ACK again after the initiator's ACK: its accept queue
 * was full and it dropped the ACK. */
static void test_listen_overflow_synack_again(void)
{
    const dpkt p[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                       P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0) };
    run rn = feed(p, 5);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == FRAME_BIT(4));
    CHECK(anomaly(&rn, 4, HS_AN_SYNACK_RETRANS));
    CHECK(conn(&rn, 5)->anomalies & HS_AN_BIT(HS_AN_LISTEN_OVERFLOW));
    hs_engine_free(rn.eng);

    /* A SYN+ACK with another y after the ACK is no retransmission. */
    const dpkt new_y[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                           P(S, SYN | ACK, 9000, 1001, 0) };
    rn = feed(new_y, 4);
    CHECK(anomaly(&rn, 4, HS_AN_SYNACK_BAD_SEQ));
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);

    /* Before the ACK a SYN+ACK again is a plain retransmission. */
    const dpkt q[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(S, SYN | ACK, 5000, 1001, 0),
                       P(C, ACK, 1001, 5001, 0) };
    rn = feed(q, 4);
    CHECK(anomaly(&rn, 3, HS_AN_SYNACK_RETRANS));
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);
}

/* The responder's RST without ACK when it sent nothing since the handshake's
 * ACK (tcp_abort_on_overflow); not an RST+ACK (an application's abort), nor
 * an RST after it sent data. */
static void test_listen_overflow_rst(void)
{
    const dpkt p[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                       P(C, ACK | PSH, 1001, 5001, 10), P(S, RST, 5001, 0, 0) };
    run rn = feed(p, 5);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == FRAME_BIT(5));
    hs_engine_free(rn.eng);

    const dpkt right_after[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                                 P(C, ACK, 1001, 5001, 0), P(S, RST, 5001, 0, 0) };
    rn = feed(right_after, 4);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == FRAME_BIT(4));
    hs_engine_free(rn.eng);

    const dpkt with_ack[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                              P(C, ACK, 1001, 5001, 0), P(S, RST | ACK, 5001, 1001, 0) };
    rn = feed(with_ack, 4);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    CHECK(anomaly(&rn, 4, HS_AN_RST_ABORT));
    hs_engine_free(rn.eng);

    const dpkt after_data[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                                P(C, ACK, 1001, 5001, 0), P(S, ACK | PSH, 5001, 1001, 20),
                                P(S, RST, 5021, 0, 0) };
    rn = feed(after_data, 5);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);

    /* After a handshake ACK that does not check out the listener answers
     * with an RST (or its SYN+ACK again): no ACK was dropped. */
    const dpkt bad_ack[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                             P(C, ACK, 1001, 7777, 0), P(S, RST, 7777, 0, 0) };
    rn = feed(bad_ack, 4);
    CHECK(anomaly(&rn, 3, HS_AN_ACK_BAD));
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);
    const dpkt bad_ack2[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                              P(C, ACK, 1001, 7777, 0), P(S, SYN | ACK, 5000, 1001, 0) };
    rn = feed(bad_ack2, 4);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);

    /* The initiator's RST is never the listener's. */
    const dpkt from_init[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                               P(C, ACK, 1001, 5001, 0), P(C, RST, 1001, 0, 0) };
    rn = feed(from_init, 4);
    CHECK(frames_with(&rn, HS_AN_LISTEN_OVERFLOW) == 0);
    hs_engine_free(rn.eng);
}

/* ---- payload over the MSS --------------------------------------------------- */

/* With the options read, payload above the MSS its receiver announced. */
static void test_seg_over_mss(void)
{
    const uint8_t mss = HS_OPT_READ | HS_OPT_MSS;
    const dpkt p[] = {
        O(C, SYN, 1000, 0, 0, mss, 1460), O(S, SYN | ACK, 5000, 1001, 0, mss, 1000), P(C, ACK, 1001, 5001, 0),
        P(C, ACK | PSH, 1001, 5001, 1000),                    /* 4: == the responder's MSS */
        P(C, ACK | PSH, 2001, 5001, 1001),                    /* 5: above it */
        P(S, ACK | PSH, 5001, 3002, 1460),                    /* 6: == the initiator's */
        P(S, ACK | PSH, 6461, 3002, 1461),                    /* 7: above it */
    };
    run rn = feed(p, 7);
    CHECK(frames_with(&rn, HS_AN_SEG_OVER_MSS) == (FRAME_BIT(5) | FRAME_BIT(7)));
    hs_engine_free(rn.eng);

    /* Options not read: never, whatever the length. */
    const dpkt q[] = { O(C, SYN, 1000, 0, 0, 0, 536), O(S, SYN | ACK, 5000, 1001, 0, 0, 536),
                       P(C, ACK, 1001, 5001, 0), P(C, ACK | PSH, 1001, 5001, 9000),
                       P(S, ACK | PSH, 5001, 10001, 65535) };
    rn = feed(q, 5);
    CHECK(frames_with(&rn, HS_AN_SEG_OVER_MSS) == 0);
    hs_engine_free(rn.eng);

    /* Read, but the responder announced no MSS: nothing to compare with. */
    const dpkt r[] = { O(C, SYN, 1000, 0, 0, mss, 1460), O(S, SYN | ACK, 5000, 1001, 0, HS_OPT_READ, 0),
                       P(C, ACK, 1001, 5001, 0), P(C, ACK | PSH, 1001, 5001, 9000),
                       P(S, ACK | PSH, 5001, 10001, 1461) };
    rn = feed(r, 5);
    CHECK(frames_with(&rn, HS_AN_SEG_OVER_MSS) == FRAME_BIT(5));
    hs_engine_free(rn.eng);
}

/* ---- first data and first response ---------------------------------------- */

/* data_ns: the initiator's first payload after the handshake; response_ns:
 * the responder's first payload after that. */
static void test_first_data_response(void)
{
    const dpkt p[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                       P(S, ACK, 5001, 1001, 0), P(C, ACK | PSH, 1001, 5001, 10),
                       P(C, ACK | PSH, 1011, 5001, 10), P(S, ACK, 5001, 1021, 0),
                       P(S, ACK | PSH, 5001, 1021, 30), P(C, ACK | PSH, 1021, 5031, 10),
                       P(S, ACK | PSH, 5031, 1031, 30) };
    run rn = feed(p, 10);
    hs_conn c = conn_after(p, 4);
    CHECK(c.data_ns == 0 && c.response_ns == 0);
    c = conn_after(p, 7);
    CHECK(c.data_ns == 5 * MS_NS && c.response_ns == 0);
    CHECK(conn(&rn, 10)->data_ns == 5 * MS_NS && conn(&rn, 10)->response_ns == 8 * MS_NS);
    hs_engine_free(rn.eng);

    /* Payload on the handshake's ACK is the first data. */
    const dpkt on_ack[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0),
                            P(C, ACK | PSH, 1001, 5001, 10), P(S, ACK | PSH, 5001, 1011, 30) };
    rn = feed(on_ack, 4);
    CHECK(conn(&rn, 4)->data_ns == 3 * MS_NS && conn(&rn, 4)->response_ns == 4 * MS_NS);
    hs_engine_free(rn.eng);
}

/* Not first data: payload on the SYN (TFO); a responder's payload before
 * the initiator's (a banner) is no response; an RST's payload is neither. */
static void test_first_data_exclusions(void)
{
    const dpkt tfo[] = { P(C, SYN, 1000, 0, 10), P(S, SYN | ACK, 5000, 1011, 0), P(C, ACK, 1011, 5001, 0),
                         P(S, ACK | PSH, 5001, 1011, 30), P(C, ACK | PSH, 1011, 5031, 10),
                         P(S, ACK | PSH, 5031, 1021, 30) };
    run rn = feed(tfo, 6);
    CHECK(anomaly(&rn, 1, HS_AN_SYN_DATA));
    CHECK(conn_after(tfo, 3).data_ns == 0);
    CHECK(conn_after(tfo, 4).response_ns == 0);             /* the TFO answer: before any data */
    CHECK(conn(&rn, 6)->data_ns == 5 * MS_NS && conn(&rn, 6)->response_ns == 6 * MS_NS);
    hs_engine_free(rn.eng);

    const dpkt banner[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                            P(S, ACK | PSH, 5001, 1001, 40), P(C, ACK | PSH, 1001, 5041, 10),
                            P(S, ACK | PSH, 5041, 1011, 30) };
    rn = feed(banner, 6);
    hs_conn c = conn_after(banner, 4);
    CHECK(c.data_ns == 0 && c.response_ns == 0);
    CHECK(conn(&rn, 6)->data_ns == 5 * MS_NS && conn(&rn, 6)->response_ns == 6 * MS_NS);
    hs_engine_free(rn.eng);

    const dpkt rst[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                         P(C, RST, 1001, 0, 10) };
    rn = feed(rst, 4);
    CHECK(conn(&rn, 4)->data_ns == 0);
    hs_engine_free(rn.eng);
}

/* ---- ICMP errors ------------------------------------------------------------ */

/* hs_icmp_kind(): which ICMP and ICMPv6 messages say an attempt failed. */
static void test_icmp_kind(void)
{
    static const struct { bool v6; uint8_t type, code; hs_label want; } k[] = {
        { false, 3, 0, HS_LBL_ICMP_UNREACH },   { false, 3, 1, HS_LBL_ICMP_UNREACH },
        { false, 3, 3, HS_LBL_ICMP_UNREACH },   { false, 3, 4, HS_LBL_NONE },
        { false, 3, 9, HS_LBL_ICMP_PROHIBITED }, { false, 3, 10, HS_LBL_ICMP_PROHIBITED },
        { false, 3, 13, HS_LBL_ICMP_PROHIBITED }, { false, 3, 12, HS_LBL_ICMP_UNREACH },
        { false, 11, 0, HS_LBL_ICMP_TIME },     { false, 11, 1, HS_LBL_ICMP_TIME },
        { false, 5, 1, HS_LBL_NONE },           { false, 12, 0, HS_LBL_NONE },
        { false, 4, 0, HS_LBL_NONE },           { false, 0, 0, HS_LBL_NONE },
        { false, 1, 4, HS_LBL_NONE },           /* ICMPv6's unreachable number, in ICMPv4 */
        { true, 1, 4, HS_LBL_ICMP_UNREACH },    { true, 1, 0, HS_LBL_ICMP_UNREACH },
        { true, 1, 3, HS_LBL_ICMP_UNREACH },
        { true, 1, 1, HS_LBL_ICMP_PROHIBITED }, { true, 1, 5, HS_LBL_ICMP_PROHIBITED },
        { true, 1, 6, HS_LBL_ICMP_PROHIBITED },
        { true, 2, 0, HS_LBL_NONE },            { true, 3, 0, HS_LBL_ICMP_TIME },
        { true, 3, 1, HS_LBL_ICMP_TIME },       { true, 4, 0, HS_LBL_NONE },
        { true, 128, 0, HS_LBL_NONE },          { true, 11, 0, HS_LBL_NONE },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        hs_label got = hs_icmp_kind(k[i].v6, k[i].type, k[i].code);
        CHECK(got == k[i].want);
        if (got != k[i].want)
            fprintf(stderr, "  %s %u/%u: %d, want %d\n", k[i].v6 ? "v6" : "v4", k[i].type, k[i].code,
                    (int)got, (int)k[i].want);
    }
}

static hs_icmp icmp(uint32_t frame, bool v6, uint8_t type, uint8_t code, uint16_t flags, uint32_t seq,
                    uint32_t ack)
{
    return (hs_icmp){ .time_ns = (int64_t)frame * MS_NS, .frame = frame, .v6 = v6, .type = type,
                      .code = code,
                      .quoted = { .seq = seq, .ack = ack, .flags = flags, .have = HS_HAVE_SEQ | HS_HAVE_ACK } };
}

/* The engine's answer to an ICMP error, kept past the next call (and
 * checked against what it gives back for the frame, as ADD does). */
#define ICMP(eng, stream, m) keep_result((eng), hs_engine_icmp((eng), (stream), (m)), (m)->frame)

static void add_at(run *rn, const dpkt *p, uint32_t frame)
{
    hs_segment s = seg_of(p, frame);
    rn->r[frame] = ADD(rn->eng, 0, &s);
    rn->n = (int)frame;
}

/* An error quoting the SYN: its own result (the ICMP label, answering the
 * latest SYN), the attempt unreachable, until the responder answers. */
static void test_icmp_quotes_syn(void)
{
    const dpkt syn = P(C, SYN, 1000, 0, 0), synack = P(S, SYN | ACK, 5000, 1001, 0);
    run rn = { hs_engine_new(), { 0 }, 0 };
    add_at(&rn, &syn, 1);
    add_at(&rn, &syn, 2);                                   /* retransmitted */
    hs_icmp m = icmp(3, false, 3, 1, SYN, 1000, 0);
    const hs_result *r = ICMP(rn.eng, 0, &m);
    CHECK(r != NULL);
    if (!r) {
        hs_engine_free(rn.eng);
        return;
    }
    CHECK(r->conn == rn.r[1]->conn);
    CHECK(r->label == HS_LBL_ICMP_UNREACH);
    CHECK(r->answers == 2);                                 /* the latest SYN */
    CHECK(r->anomalies == HS_AN_BIT(HS_AN_ICMP_UNREACHABLE));
    CHECK(r->seq == 1000 && r->origin == HS_ORIGIN_NONE && r->step[0] == 0);
    CHECK_STR(hs_label_info_of((hs_label)r->label)->text, "ICMP(unreachable)");
    const hs_conn *c = conn_of(rn.eng, r->conn);
    CHECK(c->icmp_frame == 3 && c->icmp_type == 3 && c->icmp_code == 1);
    CHECK(c->icmp_label == HS_LBL_ICMP_UNREACH);
    CHECK(c->flags & HS_CONN_UNREACHABLE);
    CHECK(c->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE));
    CHECK(hs_outcome_of(c, 0) == HS_OUT_UNREACHABLE);
    CHECK_STR(hs_outcome_name(hs_outcome_of(c, 0)), "unreachable");
    CHECK(c->packets == 2 && c->last_frame == 2);           /* an ICMP error is no segment */

    /* The same frame again: its cached result, the attempt unchanged. */
    hs_result first = *r;
    hs_icmp other = icmp(3, true, 1, 1, ACK, 1001, 0);
    const hs_result *again = ICMP(rn.eng, 0, &other);
    CHECK(again && same_result(again, &first));

    /* A second error: its own result, the attempt keeps the first. */
    hs_icmp second = icmp(4, false, 3, 13, SYN, 1000, 0);
    r = ICMP(rn.eng, 0, &second);
    CHECK(r && r->label == HS_LBL_ICMP_PROHIBITED && r->answers == 2);
    c = conn_of(rn.eng, first.conn);
    CHECK(c->icmp_frame == 3 && c->icmp_code == 1 && c->icmp_label == HS_LBL_ICMP_UNREACH);

    /* The responder answers after all: no longer unreachable. */
    add_at(&rn, &synack, 5);
    c = conn(&rn, 5);
    CHECK(c->icmp_frame == 3);
    CHECK(hs_outcome_of(c, 0) != HS_OUT_UNREACHABLE);
    CHECK(hs_outcome_of(c, 0) == HS_OUT_INCOMPLETE);
    hs_engine_free(rn.eng);

    /* The responder sent something (not a SYN+ACK): not unreachable. */
    rn = (run){ hs_engine_new(), { 0 }, 0 };
    add_at(&rn, &syn, 1);
    hs_icmp u = icmp(2, false, 3, 1, SYN, 1000, 0);
    CHECK(ICMP(rn.eng, 0, &u) != NULL);
    CHECK(hs_outcome_of(conn(&rn, 1), 0) == HS_OUT_UNREACHABLE);
    const dpkt ack = P(S, ACK, 5000, 1001, 0);
    add_at(&rn, &ack, 3);
    c = conn(&rn, 3);
    CHECK((c->flags & HS_CONN_UNREACHABLE) && hs_outcome_of(c, 0) == HS_OUT_INCOMPLETE);
    hs_engine_free(rn.eng);

    /* A single SYN: it is the one answered. */
    rn = (run){ hs_engine_new(), { 0 }, 0 };
    add_at(&rn, &syn, 1);
    hs_icmp t = icmp(2, true, 3, 0, SYN, 1000, 0);
    r = ICMP(rn.eng, 0, &t);
    CHECK(r && r->answers == 1 && r->label == HS_LBL_ICMP_TIME);
    CHECK(hs_outcome_of(conn(&rn, 1), 0) == HS_OUT_UNREACHABLE);
    hs_engine_free(rn.eng);
}

/* An error quoting a data segment of an established connection: linked,
 * the outcome still established. */
/* An error quoting the SYN answers the latest SYN, even when the
 * initiator sent something else since (a bad handshake ACK). */
static void test_icmp_answers_latest_syn(void)
{
    const dpkt syn = P(C, SYN, 1000, 0, 0), synack = P(S, SYN | ACK, 5000, 1001, 0);
    const dpkt bad_ack = P(C, ACK, 1001, 7777, 0);
    run rn = { hs_engine_new(), { 0 }, 0 };
    add_at(&rn, &syn, 1);
    add_at(&rn, &synack, 2);
    add_at(&rn, &bad_ack, 3);
    hs_icmp m = icmp(4, false, 3, 1, SYN, 1000, 0);
    const hs_result *r = ICMP(rn.eng, 0, &m);
    CHECK(r && r->answers == 1);
    hs_engine_free(rn.eng);
}

static void test_icmp_quotes_data(void)
{
    const dpkt p[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0),
                       P(C, ACK | PSH, 1001, 5001, 100), P(S, ACK | PSH, 5001, 1101, 50) };
    run rn = feed(p, 5);
    hs_icmp m = icmp(6, false, 3, 3, ACK | PSH, 1001, 5001);
    const hs_result *r = ICMP(rn.eng, 0, &m);
    CHECK(r && r->label == HS_LBL_ICMP_UNREACH && r->answers == 4);
    const hs_conn *c = conn(&rn, 5);
    CHECK(c->icmp_frame == 6 && c->icmp_type == 3 && c->icmp_code == 3);
    CHECK(!(c->flags & HS_CONN_UNREACHABLE));
    CHECK(hs_outcome_of(c, 0) == HS_OUT_ESTABLISHED);

    /* The responder's data (its seq space), ICMPv6 prohibited. */
    hs_icmp n = icmp(7, true, 1, 1, ACK | PSH, 5001, 1101);
    r = ICMP(rn.eng, 0, &n);
    CHECK(r && r->label == HS_LBL_ICMP_PROHIBITED && r->answers == 5);
    CHECK(r->kstate[0] == HS_K_ESTABLISHED && r->kstate[1] == HS_K_ESTABLISHED);
    CHECK(conn(&rn, 5)->icmp_frame == 6);
    hs_engine_free(rn.eng);
}

/* What links nothing: a seq neither side sent, a SYN with another ISN, an
 * unknown stream, a message that is no error about the attempt, frame 0. */
static void test_icmp_unlinked(void)
{
    const dpkt p[] = { P(C, SYN, 1000, 0, 0), P(S, SYN | ACK, 5000, 1001, 0), P(C, ACK, 1001, 5001, 0) };
    run rn = feed(p, 3);
    hs_conn before = *conn(&rn, 3);
    const hs_icmp none[] = {
        icmp(4, false, 3, 1, ACK, 777777, 0),               /* neither side's seq */
        icmp(5, false, 3, 1, SYN, 999, 0),                  /* another ISN */
        icmp(6, false, 3, 1, SYN | ACK, 5001, 1001),        /* not the SYN+ACK's y */
        icmp(7, false, 3, 4, SYN, 1000, 0),                 /* fragmentation needed */
        icmp(8, true, 2, 0, SYN, 1000, 0),                  /* packet too big */
        icmp(9, false, 5, 1, SYN, 1000, 0),                 /* redirect */
        icmp(0, false, 3, 1, SYN, 1000, 0),                 /* frame 0 */
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        CHECK(hs_engine_icmp(rn.eng, 0, &none[i]) == NULL);
        hs_result back;
        CHECK(!hs_engine_result(rn.eng, none[i].frame, &back));
    }
    hs_icmp unknown = icmp(10, false, 3, 1, SYN, 1000, 0);
    CHECK(hs_engine_icmp(rn.eng, 5, &unknown) == NULL);     /* a stream never seen */
    CHECK(hs_engine_icmp(rn.eng, UINT32_MAX, &unknown) == NULL);
    CHECK(hs_engine_icmp(rn.eng, 0, NULL) == NULL);
    CHECK(hs_engine_icmp(NULL, 0, &unknown) == NULL);
    const hs_conn *c = conn(&rn, 3);
    CHECK(c->icmp_frame == 0 && c->icmp_type == 0 && c->icmp_code == 0 && c->icmp_label == 0);
    CHECK(c->flags == before.flags && c->anomalies == before.anomalies && c->packets == before.packets);
    CHECK(c->last_frame == before.last_frame && c->last_ns == before.last_ns);
    CHECK(!(c->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE)));

    /* A quoted header without its seq. */
    hs_icmp noseq = icmp(11, false, 3, 1, SYN, 1000, 0);
    noseq.quoted.have = 0;
    CHECK(hs_engine_icmp(rn.eng, 0, &noseq) == NULL);
    hs_engine_free(rn.eng);
}

int main(void)
{
    RUN(test_rst_origin_peer);
    RUN(test_rst_origin_middlebox_ttl);
    RUN(test_rst_origin_none);
    RUN(test_rst_origin_ttl_extremes);
    RUN(test_rst_origin_ipid);
    RUN(test_rst_origin_ipid_runs);
    RUN(test_rst_origin_ipid_odd_one_out);
    RUN(test_rst_origin_ipid_no_socket);
    RUN(test_synack_proxy);
    RUN(test_synack_proxy_window_update);
    RUN(test_synack_no_proxy);
    RUN(test_synack_proxy_ttl_extremes);
    RUN(test_listen_overflow_synack_again);
    RUN(test_listen_overflow_rst);
    RUN(test_seg_over_mss);
    RUN(test_first_data_response);
    RUN(test_first_data_exclusions);
    RUN(test_icmp_kind);
    RUN(test_icmp_quotes_syn);
    RUN(test_icmp_answers_latest_syn);
    RUN(test_icmp_quotes_data);
    RUN(test_icmp_unlinked);
    printf("diagnosis: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
