/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_negotiation.c - unit tests of negotiation.c, one or more per rule of
 * SPEC section 7, through the engine (segments in, outcomes out).
 */
#include "engine.h"
#include "negotiation.h"

#include "harness.h"

#define ECE HS_TH_ECE
#define CWR HS_TH_CWR
#define AE  HS_TH_AE

/* Options as a segment carries them; R marks them as read. */
enum { R = HS_OPT_READ, MSS = HS_OPT_MSS, WS = HS_OPT_WS, SACKP = HS_OPT_SACKP, TS = HS_OPT_TS,
       TFO = HS_OPT_TFO, COOKIE = HS_OPT_COOKIE, MPC = HS_OPT_MPC };
#define ALL (R | MSS | WS | SACKP | TS)

typedef struct opkt {
    uint8_t dir; uint16_t flags; uint32_t seq, ack, len; uint8_t opts; uint16_t mss; uint8_t ws;
} opkt;

typedef struct nrun { hs_engine *eng; const hs_result *r[32]; } nrun;

static nrun feed(const opkt *p, int n)
{
    nrun rn = { hs_engine_new(), { 0 } };
    for (int i = 0; i < n && i < 31; i++) {
        hs_segment s = { .time_ns = (int64_t)(i + 1) * 1000000, .frame = (uint32_t)i + 1, .seq = p[i].seq,
                         .ack = p[i].ack, .len = p[i].len, .flags = p[i].flags, .dir = p[i].dir,
                         .have = HS_HAVE_ALL, .opts = p[i].opts, .mss = p[i].mss, .wscale = p[i].ws };
        rn.r[i + 1] = ADD(rn.eng, 0, &s);
    }
    return rn;
}

static const hs_conn *conn(const nrun *rn, int frame)
{
    return rn->r[frame] ? conn_of(rn->eng, rn->r[frame]->conn) : NULL;
}

static bool raised(const nrun *rn, int frame, enum hs_anomaly a)
{
    return rn->r[frame] && (rn->r[frame]->anomalies & HS_AN_BIT(a));
}

static const char *summary(const nrun *rn, int frame)
{
    static char buf[160];
    hs_nego_summary(conn(rn, frame), buf, sizeof buf);
    return buf;
}

/* The handshake of a Linux-to-Linux connection with different offers. */
static void test_offers_and_outcome(void)
{
    const opkt p[] = {
        { C, SYN, 100, 0, 0, ALL, 1460, 7 },
        { S, SYN | ACK, 500, 101, 0, ALL, 1400, 9 },
        { C, ACK, 101, 501, 0, R | TS, 0, 0 },
    };
    nrun rn = feed(p, 3);
    const hs_conn *c = conn(&rn, 3);
    CHECK(hs_nego_complete(c) && hs_nego_options_read(c));
    CHECK(c->side[HS_INITIATOR].mss == 1460 && c->side[HS_RESPONDER].mss == 1400);
    CHECK(c->side[HS_INITIATOR].wscale == 7 && c->side[HS_RESPONDER].wscale == 9);
    CHECK(hs_nego_in_use(c, WS) && hs_nego_in_use(c, SACKP) && hs_nego_in_use(c, TS));
    CHECK(!hs_nego_in_use(c, MPC));
    CHECK(hs_nego_ecn(c) == HS_ECN_OFF && hs_nego_tfo(c) == HS_TFO_OFF);
    CHECK_STR(summary(&rn, 3), "MSS 1460/1400, WS 7/9, SACK, TS, ECN off");
    for (int f = 1; f <= 3; f++)
        CHECK(!(rn.r[f]->anomalies & ~HS_AN_BIT(HS_AN_NO_HANDSHAKE)));
    hs_engine_free(rn.eng);
}

/* Before the SYN+ACK only the initiator's offer is known (single pass). */
static void test_offer_before_answer(void)
{
    const opkt p[] = { { C, SYN, 100, 0, 0, ALL, 1460, 7 } };
    nrun rn = feed(p, 1);
    const hs_conn *c = conn(&rn, 1);
    CHECK(hs_nego_offer_seen(c, HS_INITIATOR) && !hs_nego_complete(c));
    CHECK(hs_nego_ecn(c) == HS_ECN_UNKNOWN);
    CHECK_STR(summary(&rn, 1), "MSS 1460/?, WS 7/?, SACK ?, TS ?, ECN ?");
    hs_engine_free(rn.eng);
}

/* RFC 7323: window scaling only when both SYNs carry the option; the same
 * for SACK (RFC 2018) and timestamps. */
static void test_one_side_drops_options(void)
{
    const opkt p[] = {
        { C, SYN, 100, 0, 0, R | MSS | WS | SACKP, 1460, 7 },
        { S, SYN | ACK, 500, 101, 0, R | MSS | TS, 1460, 0 },
    };
    nrun rn = feed(p, 2);
    const hs_conn *c = conn(&rn, 2);
    CHECK(!hs_nego_in_use(c, WS) && !hs_nego_in_use(c, SACKP) && !hs_nego_in_use(c, TS));
    /* Not offered: no unsolicited grant, but the SYN+ACK added TS itself. */
    CHECK(raised(&rn, 2, HS_AN_OPT_UNSOLICITED));
    CHECK_STR(summary(&rn, 2),
              "MSS 1460/1460, WS off (7/-), SACK off (initiator only), TS off (responder only), ECN off");
    hs_engine_free(rn.eng);
}

static void test_no_options_at_all(void)
{
    const opkt p[] = { { C, SYN, 100, 0, 0, R, 0, 0 }, { S, SYN | ACK, 500, 101, 0, R, 0, 0 } };
    nrun rn = feed(p, 2);
    CHECK_STR(summary(&rn, 2), "MSS -/-, WS off, SACK off, TS off, ECN off");
    CHECK(!raised(&rn, 2, HS_AN_OPT_UNSOLICITED));
    hs_engine_free(rn.eng);
}

/* hs.opt.unsolicited: each of WS, SACK-permitted, TS alone; never when the
 * SYN was not seen or its options were not read. */
static void test_unsolicited(void)
{
    const uint8_t grant[] = { WS, SACKP, TS };
    for (size_t i = 0; i < sizeof grant; i++) {
        const opkt p[] = { { C, SYN, 100, 0, 0, R | MSS, 1460, 0 },
                           { S, SYN | ACK, 500, 101, 0, (uint8_t)(R | MSS | grant[i]), 1460, 7 } };
        nrun rn = feed(p, 2);
        CHECK(raised(&rn, 2, HS_AN_OPT_UNSOLICITED));
        hs_engine_free(rn.eng);
    }
    const opkt first[] = { { S, SYN | ACK, 500, 101, 0, ALL, 1460, 7 } };     /* SYN not captured */
    nrun rn = feed(first, 1);
    CHECK(!raised(&rn, 1, HS_AN_OPT_UNSOLICITED));
    CHECK(!hs_nego_complete(conn(&rn, 1)));
    CHECK_STR(summary(&rn, 1), "MSS ?/1460, WS ?/7, SACK ?, TS ?, ECN ?");
    hs_engine_free(rn.eng);
    const opkt unread[] = { { C, SYN, 100, 0, 0, 0, 0, 0 }, { S, SYN | ACK, 500, 101, 0, ALL, 1460, 7 } };
    rn = feed(unread, 2);
    CHECK(!raised(&rn, 2, HS_AN_OPT_UNSOLICITED));
    hs_engine_free(rn.eng);
}

/* RFC 7323 section 2.3: shift counts above 14 are used as 14. */
static void test_wscale_too_big(void)
{
    const opkt p[] = { { C, SYN, 100, 0, 0, R | WS, 0, 15 }, { S, SYN | ACK, 500, 101, 0, R | WS, 0, 14 } };
    nrun rn = feed(p, 2);
    CHECK(raised(&rn, 1, HS_AN_OPT_WSCALE_BIG));
    CHECK(!raised(&rn, 2, HS_AN_OPT_WSCALE_BIG));
    hs_engine_free(rn.eng);
}

/* RFC 3168 section 6.1.1 and Accurate ECN's handshake codepoints. */
static void test_ecn_kinds(void)
{
    static const struct { uint16_t syn, synack; hs_ecn_mode want; bool unsolicited; } cases[] = {
        { 0, 0, HS_ECN_OFF, false },
        { ECE | CWR, ECE, HS_ECN_CLASSIC, false },              /* RFC 3168 */
        { ECE | CWR, 0, HS_ECN_OFF, false },                    /* refused */
        { 0, ECE, HS_ECN_OFF, true },                           /* not asked for */
        { AE | CWR | ECE, CWR, HS_ECN_ACCECN, false },          /* AccECN, SYN was Not-ECT */
        { AE | CWR | ECE, CWR | ECE, HS_ECN_ACCECN, false },    /* ... ECT(1) */
        { AE | CWR | ECE, AE, HS_ECN_ACCECN, false },           /* ... ECT(0) */
        { AE | CWR | ECE, AE | CWR, HS_ECN_ACCECN, false },     /* ... CE */
        { AE | CWR | ECE, ECE, HS_ECN_CLASSIC, false },         /* a classic ECN server */
        { ECE | CWR, CWR, HS_ECN_OFF, false },                  /* AccECN answer to a classic SYN */
        { 0, AE, HS_ECN_OFF, true },
        { AE | CWR | ECE, AE | CWR | ECE, HS_ECN_OFF, false },  /* 111: nothing a server sends */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const opkt p[] = { { C, (uint16_t)(SYN | cases[i].syn), 100, 0, 0, 0, 0, 0 },
                           { S, (uint16_t)(SYN | ACK | cases[i].synack), 500, 101, 0, 0, 0, 0 } };
        nrun rn = feed(p, 2);
        CHECK(hs_nego_ecn(conn(&rn, 2)) == cases[i].want);
        CHECK(raised(&rn, 2, HS_AN_OPT_ECN_UNSOLICITED) == cases[i].unsolicited);
        hs_engine_free(rn.eng);
    }
    CHECK_STR(hs_ecn_name(HS_ECN_CLASSIC), "ecn");
    CHECK_STR(hs_ecn_name(HS_ECN_ACCECN), "accecn");
}

/* RFC 7323 section 3.2: with timestamps in use, every segment but a RST
 * carries one. */
static void test_ts_missing(void)
{
    const opkt p[] = {
        { C, SYN, 100, 0, 0, R | TS, 0, 0 },
        { S, SYN | ACK, 500, 101, 0, R | TS, 0, 0 },
        { C, ACK, 101, 501, 0, R, 0, 0 },             /* none: raised */
        { S, ACK, 501, 101, 5, R | TS, 0, 0 },        /* fine */
        { C, ACK, 101, 506, 0, 0, 0, 0 },             /* options not read: nothing to say */
        { C, RST | ACK, 101, 506, 0, R, 0, 0 },       /* a RST may omit it */
    };
    nrun rn = feed(p, 6);
    CHECK(raised(&rn, 3, HS_AN_OPT_TS_MISSING));
    CHECK(!raised(&rn, 4, HS_AN_OPT_TS_MISSING));
    CHECK(!raised(&rn, 5, HS_AN_OPT_TS_MISSING));
    CHECK(!raised(&rn, 6, HS_AN_OPT_TS_MISSING));
    hs_engine_free(rn.eng);
    const opkt off[] = { { C, SYN, 100, 0, 0, R | TS, 0, 0 }, { S, SYN | ACK, 500, 101, 0, R, 0, 0 },
                         { C, ACK, 101, 501, 0, R, 0, 0 } };
    rn = feed(off, 3);
    CHECK(!raised(&rn, 3, HS_AN_OPT_TS_MISSING));      /* not in use */
    hs_engine_free(rn.eng);
}

/* RFC 9293 section 3.7.1: MSS only in segments with SYN. */
static void test_mss_non_syn(void)
{
    const opkt p[] = {
        { C, SYN, 100, 0, 0, R | MSS, 1460, 0 },
        { S, SYN | ACK, 500, 101, 0, R | MSS, 1460, 0 },
        { C, ACK, 101, 501, 0, R | MSS, 1460, 0 },
    };
    nrun rn = feed(p, 3);
    CHECK(!raised(&rn, 1, HS_AN_OPT_MSS_NON_SYN) && !raised(&rn, 2, HS_AN_OPT_MSS_NON_SYN));
    CHECK(raised(&rn, 3, HS_AN_OPT_MSS_NON_SYN));
    hs_engine_free(rn.eng);
}

/* RFC 7413: cookie request, cookie, data on the SYN taken or not. */
static void test_tfo(void)
{
    static const struct { uint8_t syn_opts; uint32_t len, ack; uint8_t synack_opts; hs_tfo_mode want; } cases[] = {
        { R, 0, 101, R, HS_TFO_OFF },
        { R | TFO, 0, 101, R, HS_TFO_REQUESTED },                 /* server without TFO */
        { R | TFO, 0, 101, R | COOKIE, HS_TFO_COOKIE },
        { R | COOKIE, 20, 121, R, HS_TFO_DATA_ACCEPTED },
        { R | COOKIE, 20, 101, R, HS_TFO_DATA_IGNORED },          /* bad cookie: data dropped */
        { 0, 20, 121, 0, HS_TFO_DATA_ACCEPTED },                  /* from the header alone */
        { 0, 0, 101, 0, HS_TFO_UNKNOWN },                         /* options not read */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const opkt p[] = { { C, SYN, 100, 0, cases[i].len, cases[i].syn_opts, 0, 0 },
                           { S, SYN | ACK, 500, cases[i].ack, 0, cases[i].synack_opts, 0, 0 } };
        nrun rn = feed(p, 2);
        CHECK(hs_nego_tfo(conn(&rn, 2)) == cases[i].want);
        hs_engine_free(rn.eng);
    }
    /* A SYN with a cookie and data, not answered yet: the cookie so far. */
    const opkt syn[] = { { C, SYN, 100, 0, 20, R | COOKIE, 0, 0 } };
    nrun rn = feed(syn, 1);
    CHECK(hs_nego_tfo(conn(&rn, 1)) == HS_TFO_COOKIE);
    hs_engine_free(rn.eng);
    CHECK_STR(hs_tfo_name(HS_TFO_DATA_IGNORED), "data ignored");
}

static void test_mptcp(void)
{
    const opkt both[] = { { C, SYN, 100, 0, 0, MPC, 0, 0 }, { S, SYN | ACK, 500, 101, 0, MPC, 0, 0 } };
    nrun rn = feed(both, 2);
    CHECK(hs_nego_in_use(conn(&rn, 2), MPC));
    CHECK_STR(summary(&rn, 2), "ECN off, MPTCP; options not analysed");
    hs_engine_free(rn.eng);
    const opkt one[] = { { C, SYN, 100, 0, 0, R | MPC, 0, 0 }, { S, SYN | ACK, 500, 101, 0, R, 0, 0 } };
    rn = feed(one, 2);
    CHECK(!hs_nego_in_use(conn(&rn, 2), MPC));
    CHECK_STR(summary(&rn, 2), "MSS -/-, WS off, SACK off, TS off, ECN off, MPTCP off (initiator only)");
    hs_engine_free(rn.eng);
}

/* The offer is the latest SYN before the handshake completes: a stack that
 * retries without options (a blackhole workaround) is seen as doing so. */
static void test_latest_offer_counts(void)
{
    const opkt p[] = {
        { C, SYN, 100, 0, 0, ALL, 1460, 7 },
        { C, SYN, 100, 0, 0, R | MSS, 536, 0 },           /* retry without options */
        { S, SYN | ACK, 500, 101, 0, R | MSS, 1460, 0 },
        { C, ACK, 101, 501, 0, R, 0, 0 },
        { C, SYN, 100, 0, 0, ALL, 9000, 14 },             /* after the handshake: not an offer */
    };
    nrun rn = feed(p, 4);
    CHECK(conn(&rn, 4)->side[HS_INITIATOR].mss == 536);
    CHECK(!hs_nego_in_use(conn(&rn, 4), WS));
    hs_engine_free(rn.eng);
}

/* Without option values (the preference off) only the header's facts. */
static void test_options_not_read(void)
{
    const opkt p[] = { { C, SYN | ECE | CWR, 100, 0, 0, 0, 0, 0 }, { S, SYN | ACK | ECE, 500, 101, 0, 0, 0, 0 } };
    nrun rn = feed(p, 2);
    const hs_conn *c = conn(&rn, 2);
    CHECK(hs_nego_complete(c) && !hs_nego_options_read(c));
    CHECK_STR(summary(&rn, 2), "ECN; options not analysed");
    /* Cut short, the summary stays a NUL-terminated prefix. */
    char small[6];
    CHECK(hs_nego_summary(c, small, sizeof small) == (int)strlen("ECN; options not analysed"));
    CHECK_STR(small, "ECN; ");
    hs_engine_free(rn.eng);
    rn = feed(p, 1);                 /* the SYN alone: nothing known yet */
    CHECK_STR(summary(&rn, 1), "ECN ?; options not analysed");
    hs_engine_free(rn.eng);
}

int main(void)
{
    RUN(test_offers_and_outcome);
    RUN(test_offer_before_answer);
    RUN(test_one_side_drops_options);
    RUN(test_no_options_at_all);
    RUN(test_unsolicited);
    RUN(test_wscale_too_big);
    RUN(test_ecn_kinds);
    RUN(test_ts_missing);
    RUN(test_mss_non_syn);
    RUN(test_tfo);
    RUN(test_mptcp);
    RUN(test_latest_offer_counts);
    RUN(test_options_not_read);
    printf("negotiation: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
