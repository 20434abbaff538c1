/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_engine.c - unit tests of the connection engine, one or more per rule
 * of SPEC sections 1-3.  Pure C: no Wireshark involved.
 *
 * Each test feeds a short script of segments ("C" = client/dir 0 sends,
 * "S" = server/dir 1 sends) and checks the steps, labels, checks,
 * anomalies and states that come out.
 */
#include "engine.h"
#include "labels.h"
#include "store.h"
#include "zeek.h"

#include "harness.h"

/* A segment from its members in hs_segment's order (options: none). */
#define SEG(t, f, sq, ak, ln, fl, d, hv, tp, hn) \
    { .time_ns = (t), .frame = (f), .seq = (sq), .ack = (ak), .len = (ln), .flags = (uint16_t)(fl), \
      .dir = (uint8_t)(d), .have = (uint8_t)(hv), .tuple = (tp), .hint = (uint8_t)(hn) }

typedef struct pkt { uint8_t dir; uint16_t flags; uint32_t seq, ack, len; } pkt;

/* A fresh engine fed `n` packets of stream 0, frames 1..n, 10 ms apart. */
typedef struct run { hs_engine *eng; const hs_result *r[64]; int n; } run;

static run feed_stream(run *rn, uint32_t stream, const pkt *p, int n, uint32_t first_frame)
{
    for (int i = 0; i < n; i++) {
        hs_segment s = SEG((int64_t)(first_frame + i) * 10000000, first_frame + (uint32_t)i,
                         p[i].seq, p[i].ack, p[i].len, p[i].flags, p[i].dir, HS_HAVE_ALL, 0, 0);
        rn->r[first_frame + (uint32_t)i] = ADD(rn->eng, stream, &s);
    }
    rn->n = (int)first_frame + n - 1;
    return *rn;
}

static run feed(const pkt *p, int n)
{
    run rn = { hs_engine_new(), { 0 }, 0 };
    return feed_stream(&rn, 0, p, n, 1);
}

static const char *label(const run *rn, int frame)
{
    const hs_result *r = rn->r[frame];
    return r ? hs_label_info_of((hs_label)r->label)->text : "(null)";
}

static const hs_conn *conn(const run *rn, int frame)
{
    return rn->r[frame] ? conn_of(rn->eng, rn->r[frame]->conn) : NULL;
}

static bool anomaly(const run *rn, int frame, enum hs_anomaly a)
{
    return rn->r[frame] && (rn->r[frame]->anomalies & HS_AN_BIT(a));
}

static bool valid(const run *rn, int frame)
{
    const hs_result *r = rn->r[frame];
    return r && (r->flags & HS_RES_CHECKED) && (r->flags & HS_RES_VALID);
}

static const char *state(const run *rn, int frame)
{
    return hs_conn_state_name(hs_conn_state_of(conn(rn, frame)));
}

static const char *kstate(const run *rn, int frame, int role)
{
    return hs_kstate_name((hs_kstate)rn->r[frame]->kstate[role]);
}

/* The seed: the blog's windump trace (server closes first). */
static const pkt seed[] = {
    { C, SYN, 1337949936, 0, 0 },
    { S, SYN | ACK, 3859825850u, 1337949937, 0 },
    { C, ACK, 1337949937, 3859825851u, 0 },
    { C, PSH | ACK, 1337949937, 3859825851u, 361 },
    { S, PSH | ACK, 3859825851u, 1337950298, 223 },
    { C, ACK, 1337950298, 3859826074u, 0 },
    { S, FIN | ACK, 3859826074u, 1337950298, 0 },
    { C, ACK, 1337950298, 3859826075u, 0 },
    { C, FIN | ACK, 1337950298, 3859826075u, 0 },
    { S, ACK, 3859826075u, 1337950299, 0 },
};

static void test_seed_steps(void)
{
    run rn = feed(seed, 10);
    static const uint8_t steps[] = { 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 7 };
    static const char *const labels[] = { "", "SYN(x)", "SYN+ACK(y,x+1)", "ACK(y+1)", "", "", "",
                                          "FIN(X)", "ACK(X+1)", "FIN(Y)", "ACK(Y+1)" };
    for (int f = 1; f <= 10; f++) {
        CHECK(rn.r[f]->step[0] == steps[f]);
        CHECK(rn.r[f]->step[1] == 0);
        CHECK_STR(label(&rn, f), labels[f]);
        CHECK(rn.r[f]->anomalies == 0);
        if (steps[f])
            CHECK(valid(&rn, f));
    }
    const hs_conn *c = conn(&rn, 10);
    CHECK(c->closer == HS_RESPONDER);          /* the blog gets this wrong */
    CHECK(rn.r[7]->flags & HS_RES_RESPONDER);
    CHECK(rn.r[2]->answers == 1 && rn.r[3]->answers == 2 && rn.r[8]->answers == 7 && rn.r[10]->answers == 9);
    CHECK(rn.r[1]->seq == 1337949936u);
    CHECK(rn.r[2]->seq == 3859825850u && rn.r[2]->ack == 1337949937u);
    CHECK(rn.r[7]->seq == 3859826074u && rn.r[8]->ack == 3859826075u);
    CHECK_STR(state(&rn, 10), "SF");
    CHECK_STR(hs_history_of(c), "ShADdfFa");
    CHECK(c->step_frame[HS_STEP_SYN] == 1 && c->step_frame[HS_STEP_ACK2] == 10);
    CHECK(hs_conn_final_anomalies(c) == 0);
    CHECK(hs_engine_conn_count(rn.eng) == 1);
    hs_engine_free(rn.eng);
}

static void test_seed_kernel_states(void)
{
    run rn = feed(seed, 10);
    CHECK_STR(kstate(&rn, 1, HS_INITIATOR), "SYN_SENT");
    CHECK_STR(kstate(&rn, 1, HS_RESPONDER), "LISTEN");
    CHECK_STR(kstate(&rn, 2, HS_RESPONDER), "SYN_RECV");
    CHECK_STR(kstate(&rn, 3, HS_INITIATOR), "ESTABLISHED");
    CHECK_STR(kstate(&rn, 3, HS_RESPONDER), "ESTABLISHED");
    CHECK_STR(kstate(&rn, 7, HS_RESPONDER), "FIN_WAIT1");
    CHECK_STR(kstate(&rn, 7, HS_INITIATOR), "CLOSE_WAIT");
    CHECK_STR(kstate(&rn, 8, HS_RESPONDER), "FIN_WAIT2");
    CHECK_STR(kstate(&rn, 9, HS_INITIATOR), "LAST_ACK");
    CHECK_STR(kstate(&rn, 9, HS_RESPONDER), "TIME_WAIT");
    CHECK_STR(kstate(&rn, 10, HS_INITIATOR), "CLOSED");
    CHECK_STR(kstate(&rn, 10, HS_RESPONDER), "TIME_WAIT");
    hs_engine_free(rn.eng);
}

static void test_describe(void)
{
    run rn = feed(seed, 10);
    char buf[160];
    hs_describe(rn.r[2], conn(&rn, 2), false, buf, sizeof buf);
    CHECK_STR(buf, "Step 2/3 of the opening handshake: SYN+ACK(y,x+1)  y=3859825850  x+1=1337949937");
    hs_describe(rn.r[2], conn(&rn, 2), true, buf, sizeof buf);
    CHECK_STR(buf, "Step 2/3 of the opening handshake: SYN+ACK(y,x+1)  y=0  x+1=1");
    hs_describe(rn.r[7], conn(&rn, 7), false, buf, sizeof buf);
    CHECK_STR(buf, "Step 1/4 of the close: FIN(X)  X=3859826074");
    hs_describe(rn.r[10], conn(&rn, 10), true, buf, sizeof buf);
    CHECK_STR(buf, "Step 4/4 of the close: ACK(Y+1)  Y+1=363");
    hs_engine_free(rn.eng);
}

static void test_three_packet_close(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | ACK, 101, 501, 0 },
        { S, FIN | ACK, 501, 102, 0 },
        { C, ACK, 102, 502, 0 },
    };
    run rn = feed(p, 6);
    CHECK(rn.r[5]->step[0] == HS_STEP_ACK1 && rn.r[5]->step[1] == HS_STEP_FIN2);
    CHECK_STR(label(&rn, 5), "FIN+ACK(Y,X+1)");
    CHECK(valid(&rn, 5));
    CHECK(rn.r[5]->seq == 501 && rn.r[5]->ack == 102);
    CHECK(rn.r[6]->step[0] == HS_STEP_ACK2 && valid(&rn, 6));
    CHECK(conn(&rn, 6)->closer == HS_INITIATOR);
    char buf[160];
    hs_describe(rn.r[5], conn(&rn, 5), false, buf, sizeof buf);
    CHECK_STR(buf, "Steps 2+3/4 of the close: FIN+ACK(Y,X+1)  Y=501  X+1=102");
    hs_engine_free(rn.eng);
}

static void test_fin_with_data(void)
{
    /* The FIN's number X is after its payload: seq + len. */
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | PSH | ACK, 101, 501, 10 },
        { S, ACK, 501, 112, 0 },
    };
    run rn = feed(p, 5);
    CHECK(rn.r[4]->seq == 111);
    CHECK(rn.r[5]->step[0] == HS_STEP_ACK1 && valid(&rn, 5));
    CHECK(rn.r[4]->anomalies == 0);
    hs_engine_free(rn.eng);
}

static void test_ack_of_data_before_fin_is_no_step(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | PSH | ACK, 101, 501, 10 },
        { S, ACK, 501, 106, 0 },       /* acknowledges only part of the data */
        { S, ACK, 501, 112, 0 },
    };
    run rn = feed(p, 6);
    CHECK(rn.r[5]->step[0] == 0);
    CHECK(rn.r[6]->step[0] == HS_STEP_ACK1);
    hs_engine_free(rn.eng);
}

static void test_wraparound(void)
{
    /* ISN 0xFFFFFFFF is acknowledged as 0; the responder's wraps too. */
    const pkt p[] = {
        { C, SYN, 0xFFFFFFFFu, 0, 0 },
        { S, SYN | ACK, 0xFFFFFFF0u, 0, 0 },
        { C, ACK, 0, 0xFFFFFFF1u, 0 },
        { C, PSH | ACK, 0, 0xFFFFFFF1u, 100 },
        { S, PSH | ACK, 0xFFFFFFF1u, 100, 30 },     /* wraps: ends at 0x0F */
        { S, FIN | ACK, 0x0000000Fu, 100, 0 },
        { C, ACK, 100, 0x10, 0 },
        { C, FIN | ACK, 100, 0x10, 0 },
        { S, ACK, 0x10, 101, 0 },
    };
    run rn = feed(p, 9);
    for (int f = 1; f <= 3; f++)
        CHECK(valid(&rn, f));
    CHECK(rn.r[2]->ack == 0);
    CHECK(rn.r[6]->step[0] == HS_STEP_FIN1 && rn.r[6]->seq == 0x0F);
    CHECK(rn.r[7]->step[0] == HS_STEP_ACK1 && valid(&rn, 7));
    CHECK(rn.r[9]->step[0] == HS_STEP_ACK2 && valid(&rn, 9));
    CHECK_STR(state(&rn, 9), "SF");
    char buf[160];
    hs_describe(rn.r[3], conn(&rn, 3), true, buf, sizeof buf);
    CHECK_STR(buf, "Step 3/3 of the opening handshake: ACK(y+1)  y+1=1");
    hs_engine_free(rn.eng);
}

static void test_isn_zero(void)
{
    const pkt p[] = { { C, SYN, 0, 0, 0 }, { S, SYN | ACK, 0, 1, 0 }, { C, ACK, 1, 1, 0 } };
    run rn = feed(p, 3);
    CHECK(valid(&rn, 2) && valid(&rn, 3));
    CHECK(rn.r[3]->step[0] == HS_STEP_ACK);
    hs_engine_free(rn.eng);
}

static void test_seq_helpers(void)
{
    CHECK(hs_seq_lt(0xFFFFFFFFu, 0));
    CHECK(hs_seq_gt(0, 0xFFFFFFFFu));
    CHECK(!hs_seq_lt(5, 5) && !hs_seq_gt(5, 5));
    CHECK(hs_seq_lt(0x7FFFFFF0u, 0x80000001u));
}

static void test_refused_and_retry(void)
{
    const pkt p[] = {
        { C, SYN, 1000, 0, 0 }, { S, RST | ACK, 0, 1001, 0 },
        { C, SYN, 1000, 0, 0 }, { S, RST | ACK, 0, 1001, 0 },
    };
    run rn = feed(p, 4);
    CHECK_STR(label(&rn, 2), "RST(refused)");
    CHECK(anomaly(&rn, 2, HS_AN_REFUSED));
    CHECK(valid(&rn, 2));
    CHECK(rn.r[2]->step[0] == 0);
    CHECK(rn.r[2]->answers == 1);
    /* The retry is a new attempt, as Zeek counts it, and a retransmission. */
    CHECK(conn(&rn, 3)->attempt == 2);
    CHECK(rn.r[3]->step[0] == HS_STEP_SYN && (rn.r[3]->flags & HS_RES_RETRANS));
    CHECK(anomaly(&rn, 3, HS_AN_SYN_RETRANS));
    CHECK(!anomaly(&rn, 3, HS_AN_PORT_REUSE));
    CHECK_STR(state(&rn, 2), "REJ");
    CHECK_STR(state(&rn, 4), "REJ");
    CHECK_STR(hs_history_of(conn(&rn, 4)), "Sr");
    hs_engine_free(rn.eng);
}

/* RFC 9293 3.10.7.3: in SYN-SENT an RST counts only if it acknowledges
 * the SYN; one that does not is dropped, and refuses nothing. */
static void test_refusal_with_wrong_ack(void)
{
    const pkt p[] = { { C, SYN, 1000, 0, 0 }, { S, RST | ACK, 0, 1005, 0 } };
    run rn = feed(p, 2);
    CHECK_STR(label(&rn, 2), "RST(ignored)");
    CHECK(rn.r[2]->accept == HS_ACC_IGNORED);
    CHECK(anomaly(&rn, 2, HS_AN_RST_OUT_OF_WINDOW) && !anomaly(&rn, 2, HS_AN_REFUSED));
    CHECK(!(conn(&rn, 2)->flags & HS_CONN_REFUSED));
    CHECK_STR(kstate(&rn, 2, HS_INITIATOR), "SYN_SENT");
    CHECK_STR(state(&rn, 2), "REJ");           /* Zeek takes every RST */
    hs_engine_free(rn.eng);
}

static void test_syn_retransmissions_unanswered(void)
{
    const pkt p[] = { { C, SYN, 7, 0, 0 }, { C, SYN, 7, 0, 0 }, { C, SYN, 7, 0, 0 } };
    run rn = feed(p, 3);
    const hs_conn *c = conn(&rn, 3);
    CHECK(hs_engine_conn_count(rn.eng) == 1);
    CHECK(rn.r[1]->anomalies == 0);
    CHECK(rn.r[2]->step[0] == HS_STEP_SYN && (rn.r[2]->flags & HS_RES_RETRANS));
    CHECK(anomaly(&rn, 2, HS_AN_SYN_RETRANS) && anomaly(&rn, 3, HS_AN_SYN_RETRANS));
    CHECK(hs_final_anomalies(c, rn.r[1], 1) == HS_AN_BIT(HS_AN_SYN_UNANSWERED));
    CHECK(hs_final_anomalies(c, rn.r[2], 2) == 0);
    CHECK(hs_conn_final_anomalies(c) == HS_AN_BIT(HS_AN_SYN_UNANSWERED));
    CHECK_STR(state(&rn, 3), "S0");
    CHECK_STR(hs_history_of(c), "S");
    CHECK(c->flags & HS_CONN_SYN_RETX);
    CHECK(c->step_ns[HS_STEP_SYN] != 0);
    hs_engine_free(rn.eng);
}

static void test_synack_retransmission_and_rtt(void)
{
    const pkt p[] = {
        { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 11, 0 }, { S, SYN | ACK, 90, 11, 0 },
        { C, ACK, 11, 91, 0 },
    };
    run rn = feed(p, 4);
    const hs_conn *c = conn(&rn, 4);
    CHECK(rn.r[3]->step[0] == HS_STEP_SYNACK && (rn.r[3]->flags & HS_RES_RETRANS));
    CHECK(anomaly(&rn, 3, HS_AN_SYNACK_RETRANS));
    CHECK(rn.r[4]->step[0] == HS_STEP_ACK && valid(&rn, 4));
    /* SYN -> SYN+ACK measured; SYN+ACK -> ACK ambiguous, so not. */
    CHECK(c->step_ns[HS_STEP_SYNACK] - c->step_ns[HS_STEP_SYN] == 10000000);
    CHECK(c->step_ns[HS_STEP_ACK] == 0);
    CHECK(c->flags & HS_CONN_SYNACK_RETX);
    hs_engine_free(rn.eng);
}

static void test_rtt_clean(void)
{
    run rn = feed(seed, 10);
    const hs_conn *c = conn(&rn, 10);
    CHECK(c->step_ns[HS_STEP_SYNACK] - c->step_ns[HS_STEP_SYN] == 10000000);
    CHECK(c->step_ns[HS_STEP_ACK] - c->step_ns[HS_STEP_SYNACK] == 10000000);
    hs_engine_free(rn.eng);
}

static void test_rtt_not_from_retransmitted_syn(void)
{
    const pkt p[] = { { C, SYN, 10, 0, 0 }, { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 11, 0 }, { C, ACK, 11, 91, 0 } };
    run rn = feed(p, 4);
    const hs_conn *c = conn(&rn, 4);
    CHECK(c->flags & HS_CONN_SYN_RETX);
    CHECK(c->step_ns[HS_STEP_ACK] - c->step_ns[HS_STEP_SYNACK] == 10000000);
    hs_engine_free(rn.eng);
}

static void test_bad_synack_ack(void)
{
    const pkt p[] = { { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 15, 0 }, { C, ACK, 11, 95, 0 }, { C, RST, 11, 0, 0 } };
    run rn = feed(p, 4);
    CHECK(rn.r[2]->step[0] == HS_STEP_SYNACK && !valid(&rn, 2));
    CHECK(anomaly(&rn, 2, HS_AN_SYNACK_BAD_ACK));
    CHECK(rn.r[3]->step[0] == HS_STEP_ACK && !valid(&rn, 3));
    CHECK(anomaly(&rn, 3, HS_AN_ACK_BAD));
    /* The server's RCV.NXT is the 15 its SYN+ACK acknowledged: 11 is old. */
    CHECK_STR(label(&rn, 4), "RST(ignored)");
    CHECK(hs_final_anomalies(conn(&rn, 4), rn.r[2], 2) & HS_AN_BIT(HS_AN_HS_INCOMPLETE));
    hs_engine_free(rn.eng);
}

static void test_synack_new_seq(void)
{
    const pkt p[] = { { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 11, 0 }, { S, SYN | ACK, 300, 11, 0 },
                      { C, ACK, 11, 301, 0 } };
    run rn = feed(p, 4);
    CHECK(anomaly(&rn, 3, HS_AN_SYNACK_BAD_SEQ) && valid(&rn, 3));
    CHECK(rn.r[3]->step[0] == HS_STEP_SYNACK && !(rn.r[3]->flags & HS_RES_RETRANS));
    /* The ACK answers the latest SYN+ACK: y+1 = 301. */
    CHECK(rn.r[4]->step[0] == HS_STEP_ACK && valid(&rn, 4) && !anomaly(&rn, 4, HS_AN_ACK_BAD));
    hs_engine_free(rn.eng);
}

static void test_handshake_ack_wrong_seq(void)
{
    const pkt p[] = { { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 11, 0 }, { C, ACK, 50, 91, 0 } };
    run rn = feed(p, 3);
    CHECK(rn.r[3]->step[0] == HS_STEP_ACK && !valid(&rn, 3) && anomaly(&rn, 3, HS_AN_ACK_BAD));
    hs_engine_free(rn.eng);
}

static void test_handshake_ack_with_data(void)
{
    /* The third packet may carry the request already. */
    const pkt p[] = { { C, SYN, 10, 0, 0 }, { S, SYN | ACK, 90, 11, 0 }, { C, PSH | ACK, 11, 91, 50 } };
    run rn = feed(p, 3);
    CHECK(rn.r[3]->step[0] == HS_STEP_ACK && valid(&rn, 3));
    CHECK_STR(hs_history_of(conn(&rn, 3)), "ShD");
    hs_engine_free(rn.eng);
}

static void test_tfo(void)
{
    const pkt p[] = { { C, SYN, 10, 0, 20 }, { S, SYN | ACK, 90, 31, 0 }, { C, ACK, 31, 91, 0 } };
    run rn = feed(p, 3);
    CHECK(anomaly(&rn, 1, HS_AN_SYN_DATA));
    CHECK(valid(&rn, 2) && valid(&rn, 3));
    hs_engine_free(rn.eng);
}

static void test_tfo_data_refused(void)
{
    /* The server ignores the SYN's data: it acknowledges x+1 only. */
    const pkt p[] = { { C, SYN, 10, 0, 20 }, { S, SYN | ACK, 90, 11, 0 }, { C, PSH | ACK, 11, 91, 20 } };
    run rn = feed(p, 3);
    CHECK(valid(&rn, 2) && valid(&rn, 3));
    hs_engine_free(rn.eng);
}

static void test_simultaneous_close(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | ACK, 101, 501, 0 }, { S, FIN | ACK, 501, 101, 0 },
        { C, ACK, 102, 502, 0 }, { S, ACK, 502, 102, 0 },
    };
    run rn = feed(p, 7);
    CHECK(rn.r[4]->step[0] == HS_STEP_FIN1);
    CHECK(rn.r[5]->step[0] == HS_STEP_FIN2 && rn.r[5]->step[1] == 0);
    CHECK(anomaly(&rn, 5, HS_AN_SIM_CLOSE));
    CHECK_STR(kstate(&rn, 5, HS_INITIATOR), "CLOSING");
    CHECK_STR(kstate(&rn, 5, HS_RESPONDER), "CLOSING");
    CHECK(rn.r[6]->step[0] == HS_STEP_ACK2);
    CHECK(rn.r[7]->step[0] == HS_STEP_ACK1);
    CHECK_STR(kstate(&rn, 7, HS_INITIATOR), "TIME_WAIT");
    CHECK_STR(kstate(&rn, 7, HS_RESPONDER), "TIME_WAIT");
    CHECK_STR(state(&rn, 7), "SF");
    hs_engine_free(rn.eng);
}

static void test_simultaneous_open(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN, 500, 0, 0 },
        { C, SYN | ACK, 100, 501, 0 }, { S, SYN | ACK, 500, 101, 0 },
        { C, ACK, 101, 501, 0 },
    };
    run rn = feed(p, 5);
    CHECK(hs_engine_conn_count(rn.eng) == 1);
    CHECK_STR(label(&rn, 2), "SYN(y)");
    CHECK(anomaly(&rn, 2, HS_AN_SIM_OPEN));
    CHECK_STR(label(&rn, 3), "SYN+ACK(x,y+1)");
    CHECK(valid(&rn, 3));
    CHECK(rn.r[4]->step[0] == HS_STEP_SYNACK && valid(&rn, 4));
    CHECK_STR(kstate(&rn, 4, HS_INITIATOR), "ESTABLISHED");
    CHECK(!anomaly(&rn, 3, HS_AN_SYNACK_WRONG_DIR));
    hs_engine_free(rn.eng);
}

static void test_synack_wrong_direction(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { C, SYN | ACK, 100, 7, 0 } };
    run rn = feed(p, 2);
    CHECK(anomaly(&rn, 2, HS_AN_SYNACK_WRONG_DIR));
    CHECK(rn.r[2]->step[0] == 0);
    hs_engine_free(rn.eng);
}

static void test_rst_abort(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
                      { C, RST | ACK, 101, 501, 0 }, { C, RST, 101, 0, 0 } };
    run rn = feed(p, 5);
    CHECK_STR(label(&rn, 4), "RST(abort)");
    CHECK(anomaly(&rn, 4, HS_AN_RST_ABORT));
    CHECK_STR(label(&rn, 5), "RST(ignored)");   /* a reset socket drops it, silently */
    CHECK(rn.r[5]->anomalies == 0);
    CHECK_STR(state(&rn, 5), "RSTO");
    CHECK_STR(kstate(&rn, 4, HS_RESPONDER), "CLOSED");
    hs_engine_free(rn.eng);
}

static void test_rst_by_responder(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
                      { S, RST, 501, 0, 0 } };
    run rn = feed(p, 4);
    CHECK_STR(state(&rn, 4), "RSTR");
    CHECK_STR(hs_history_of(conn(&rn, 4)), "ShAr");
    hs_engine_free(rn.eng);
}

static void test_rst_after_close(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | ACK, 101, 501, 0 }, { S, FIN | ACK, 501, 102, 0 }, { C, RST, 102, 0, 0 },
    };
    run rn = feed(p, 6);
    CHECK_STR(label(&rn, 6), "RST(after close)");
    CHECK(!anomaly(&rn, 6, HS_AN_RST_ABORT));
    hs_engine_free(rn.eng);
}

static void test_syn_then_rst(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { C, RST, 101, 0, 0 } };
    run rn = feed(p, 2);
    CHECK_STR(label(&rn, 2), "RST(handshake)");
    CHECK_STR(state(&rn, 2), "RSTOS0");
    hs_engine_free(rn.eng);
}

static void test_data_after_fin(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | ACK, 101, 501, 0 }, { S, ACK, 501, 102, 0 },
        { C, PSH | ACK, 102, 501, 10 },     /* new data beyond its own FIN */
        { C, FIN | ACK, 101, 501, 0 },      /* FIN retransmitted: not data */
    };
    run rn = feed(p, 7);
    CHECK(anomaly(&rn, 6, HS_AN_DATA_AFTER_FIN));
    CHECK(anomaly(&rn, 7, HS_AN_FIN_RETRANS) && !anomaly(&rn, 7, HS_AN_DATA_AFTER_FIN));
    CHECK(rn.r[7]->step[0] == HS_STEP_FIN1 && (rn.r[7]->flags & HS_RES_RETRANS));
    hs_engine_free(rn.eng);
}

static void test_retransmitted_data_before_fin_is_fine(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, PSH | ACK, 101, 501, 10 }, { C, FIN | ACK, 111, 501, 0 },
        { C, PSH | ACK, 101, 501, 10 },     /* retransmission of data before the FIN */
    };
    run rn = feed(p, 6);
    CHECK(!anomaly(&rn, 6, HS_AN_DATA_AFTER_FIN));
    CHECK_STR(hs_history_of(conn(&rn, 6)), "ShADFT");
    hs_engine_free(rn.eng);
}

static void test_fin_unacked(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
                      { C, FIN | ACK, 101, 501, 0 } };
    run rn = feed(p, 4);
    const hs_conn *c = conn(&rn, 4);
    CHECK(hs_final_anomalies(c, rn.r[4], 4) == HS_AN_BIT(HS_AN_FIN_UNACKED));
    CHECK(hs_final_anomalies(c, rn.r[3], 3) == 0);
    CHECK(hs_conn_final_anomalies(c) == HS_AN_BIT(HS_AN_FIN_UNACKED));
    CHECK_STR(state(&rn, 4), "S2");
    hs_engine_free(rn.eng);
}

static void test_midstream(void)
{
    const pkt p[] = {
        { C, PSH | ACK, 1000, 9000, 10 }, { S, ACK, 9000, 1010, 0 },
        { S, FIN | ACK, 9000, 1010, 0 }, { C, ACK, 1010, 9001, 0 },
        { C, FIN | ACK, 1010, 9001, 0 }, { S, ACK, 9001, 1011, 0 },
    };
    run rn = feed(p, 6);
    CHECK(anomaly(&rn, 1, HS_AN_NO_HANDSHAKE));
    CHECK(rn.r[2]->anomalies == 0);
    CHECK(conn(&rn, 6)->flags & HS_CONN_MIDSTREAM);
    CHECK(rn.r[3]->step[0] == HS_STEP_FIN1 && rn.r[4]->step[0] == HS_STEP_ACK1);
    CHECK(rn.r[5]->step[0] == HS_STEP_FIN2 && rn.r[6]->step[0] == HS_STEP_ACK2);
    CHECK(conn(&rn, 6)->closer == HS_RESPONDER);
    CHECK_STR(kstate(&rn, 1, HS_INITIATOR), "ESTABLISHED");
    hs_engine_free(rn.eng);
}

static void test_synack_first(void)
{
    const pkt p[] = { { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 }, { C, PSH | ACK, 101, 501, 5 } };
    run rn = feed(p, 3);
    const hs_conn *c = conn(&rn, 3);
    CHECK(c->flags & HS_CONN_FLIPPED);
    CHECK(rn.r[1]->flags & HS_RES_RESPONDER);
    CHECK(anomaly(&rn, 1, HS_AN_SYN_MISSING));
    CHECK(rn.r[1]->step[0] == HS_STEP_SYNACK && !(rn.r[1]->flags & HS_RES_CHECKED));
    CHECK(rn.r[2]->step[0] == HS_STEP_ACK && valid(&rn, 2));
    CHECK(hs_history_of(c)[0] == '^');
    hs_engine_free(rn.eng);
}

static void test_port_reuse_same_stream(void)
{
    const pkt p[] = {
        { C, SYN, 100, 0, 0 }, { S, SYN | ACK, 500, 101, 0 }, { C, ACK, 101, 501, 0 },
        { C, FIN | ACK, 101, 501, 0 }, { S, FIN | ACK, 501, 102, 0 }, { C, ACK, 102, 502, 0 },
        { C, SYN, 7000, 0, 0 }, { S, SYN | ACK, 8000, 7001, 0 },
    };
    run rn = feed(p, 8);
    CHECK(conn(&rn, 7)->attempt == 2 && conn(&rn, 6)->attempt == 1);
    CHECK(anomaly(&rn, 7, HS_AN_PORT_REUSE));
    CHECK(rn.r[7]->step[0] == HS_STEP_SYN && !(rn.r[7]->flags & HS_RES_RETRANS));
    CHECK(rn.r[8]->step[0] == HS_STEP_SYNACK && valid(&rn, 8));
    CHECK_STR(state(&rn, 6), "SF");
    CHECK_STR(state(&rn, 8), "S1");
    hs_engine_free(rn.eng);
}

static void test_new_isn_is_new_attempt(void)
{
    const pkt p[] = { { C, SYN, 100, 0, 0 }, { C, SYN, 900, 0, 0 } };
    run rn = feed(p, 2);
    CHECK(hs_engine_conn_count(rn.eng) == 2);
    CHECK(anomaly(&rn, 2, HS_AN_PORT_REUSE));
    hs_engine_free(rn.eng);
}

static void test_port_reuse_new_stream(void)
{
    /* Wireshark gave the reused 4-tuple a new tcp.stream: the 4-tuple id
     * still links the attempts. */
    run rn = { hs_engine_new(), { 0 }, 0 };
    const pkt a[] = { { C, SYN, 100, 0, 0 }, { S, RST | ACK, 0, 101, 0 } };
    const pkt b[] = { { C, SYN, 900, 0, 0 } };
    const pkt c[] = { { C, SYN, 5000, 0, 0 } };
    for (int i = 0; i < 2; i++) {
        hs_segment s = SEG(i, (uint32_t)i + 1, a[i].seq, a[i].ack, 0, a[i].flags, a[i].dir, HS_HAVE_ALL, 7, 0);
        rn.r[i + 1] = ADD(rn.eng, 0, &s);
    }
    hs_segment s3 = SEG(3, 3, b[0].seq, 0, 0, SYN, C, HS_HAVE_ALL, 7, 0);
    rn.r[3] = ADD(rn.eng, 1, &s3);
    hs_segment s4 = SEG(4, 4, c[0].seq, 0, 0, SYN, C, HS_HAVE_ALL, 8, 0);
    rn.r[4] = ADD(rn.eng, 2, &s4);
    CHECK(hs_engine_stream_seen(rn.eng, 1) && !hs_engine_stream_seen(rn.eng, 3));
    CHECK(anomaly(&rn, 3, HS_AN_PORT_REUSE));
    CHECK(conn(&rn, 3)->attempt == 2);         /* attempts count per 4-tuple */
    CHECK(conn(&rn, 4)->attempt == 1);
    CHECK(!anomaly(&rn, 4, HS_AN_PORT_REUSE)); /* another 4-tuple */
    hs_engine_free(rn.eng);
}

static void test_stream_split_mid_attempt(void)
{
    /* Wireshark 4.2+ may open a new tcp.stream in the middle of what is one
     * attempt on the 4-tuple: the attempt goes on. */
    run rn = { hs_engine_new(), { 0 }, 0 };
    hs_segment a = SEG(1, 1, 10, 0, 0, SYN, C, HS_HAVE_ALL, 5, 0);
    hs_segment b = SEG(2, 2, 90, 11, 0, SYN | ACK, S, HS_HAVE_ALL, 5, 0);
    hs_segment c = SEG(3, 3, 11, 91, 0, ACK, C, HS_HAVE_ALL, 5, 0);
    rn.r[1] = ADD(rn.eng, 0, &a);
    rn.r[2] = ADD(rn.eng, 0, &b);
    rn.r[3] = ADD(rn.eng, 1, &c);
    CHECK(rn.r[3]->conn == rn.r[1]->conn);
    CHECK(rn.r[3]->step[0] == HS_STEP_ACK && valid(&rn, 3));
    CHECK(!anomaly(&rn, 3, HS_AN_NO_HANDSHAKE));
    hs_engine_free(rn.eng);
}

static void test_bad_flags(void)
{
    static const struct { uint16_t flags; const char *label; } cases[] = {
        { SYN | FIN, "SYN+FIN(invalid)" }, { SYN | RST, "SYN+RST(invalid)" },
        { 0, "NULL(invalid)" }, { FIN | PSH | URG, "FIN+PSH+URG(invalid)" },
        { SYN | FIN | RST | PSH | ACK | URG, "SYN+FIN(invalid)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pkt p[] = { { C, cases[i].flags, 1, 0, 0 } };
        run rn = feed(p, 1);
        CHECK_STR(label(&rn, 1), cases[i].label);
        CHECK(anomaly(&rn, 1, HS_AN_BAD_FLAGS));
        CHECK(rn.r[1]->step[0] == 0);
        hs_engine_free(rn.eng);
    }
    /* FIN+PSH+URG with ACK is a legitimate urgent close, not a probe. */
    const pkt ok[] = { { C, SYN, 1, 0, 0 }, { S, SYN | ACK, 9, 2, 0 }, { C, ACK, 2, 10, 0 },
                       { C, FIN | PSH | URG | ACK, 2, 10, 1 } };
    run rn = feed(ok, 4);
    CHECK(!anomaly(&rn, 4, HS_AN_BAD_FLAGS) && rn.r[4]->step[0] == HS_STEP_FIN1);
    hs_engine_free(rn.eng);
}

static void test_missing_fields(void)
{
    /* No ack number known: a SYN+ACK cannot be checked, nothing crashes. */
    hs_engine *eng = hs_engine_new();
    hs_segment s1 = SEG(1, 1, 10, 0, 0, SYN, C, HS_HAVE_SEQ, 0, 0);
    hs_segment s2 = SEG(2, 2, 90, 0, 0, SYN | ACK, S, HS_HAVE_SEQ, 0, 0);
    hs_segment s3 = SEG(3, 3, 11, 0, 0, ACK, C, HS_HAVE_SEQ, 0, 0);
    const hs_result *r1 = ADD(eng, 0, &s1);
    const hs_result *r2 = ADD(eng, 0, &s2);
    const hs_result *r3 = ADD(eng, 0, &s3);
    current = "missing_fields";
    CHECK(r1 && r1->step[0] == HS_STEP_SYN);
    CHECK(r2 && r2->step[0] == HS_STEP_SYNACK && !(r2->flags & HS_RES_CHECKED));
    CHECK(r3 && r3->step[0] == 0);
    hs_engine_free(eng);
}

static void test_frame_zero_and_huge_stream(void)
{
    hs_engine *eng = hs_engine_new();
    hs_segment s = SEG(0, 0, 1, 0, 0, SYN, C, HS_HAVE_ALL, 0, 0);
    CHECK(hs_engine_add(eng, 0, &s) == NULL);
    s.frame = 1;
    CHECK(hs_engine_add(eng, UINT32_MAX, &s) == NULL);
    hs_result none;
    CHECK(!hs_engine_result(eng, 1, &none));
    CHECK(!hs_engine_result(eng, 123456789, &none));
    CHECK(conn_of(eng, 0) == NULL && conn_of(eng, 5) == NULL);
    CHECK(hs_engine_add(NULL, 0, &s) == NULL);
    hs_engine_free(eng);
    hs_engine_free(NULL);
}

static void test_frame_analysed_once(void)
{
    hs_engine *eng = hs_engine_new();
    hs_segment s = SEG(0, 1, 1, 0, 0, SYN, C, HS_HAVE_ALL, 0, 0);
    const hs_result *a = ADD(eng, 0, &s);
    const hs_result *b = ADD(eng, 0, &s);
    CHECK(a && b && memcmp(a, b, sizeof *a) == 0 && hs_engine_conn_count(eng) == 1);
    CHECK(!(a->flags & HS_RES_RETRANS));
    hs_engine_free(eng);
}

static void test_many_streams(void)
{
    /* 100k unanswered SYNs: one attempt each, memory bounded per attempt. */
    hs_engine *eng = hs_engine_new();
    for (uint32_t i = 0; i < 100000; i++) {
        hs_segment s = SEG(i, i + 1, i * 7919u, 0, 0, SYN, C, HS_HAVE_ALL, 0, 0);
        hs_engine_add(eng, i, &s);
    }
    CHECK(hs_engine_conn_count(eng) == 100000);
    size_t per = hs_engine_bytes(eng) / 100000;
    CHECK(per < sizeof(hs_conn) + HS_FRAME_BYTES + 64);
    hs_engine_free(eng);
}

static void test_streams_are_independent(void)
{
    run rn = { hs_engine_new(), { 0 }, 0 };
    const pkt a[] = { { C, SYN, 100, 0, 0 } };
    const pkt b[] = { { S, SYN, 200, 0, 0 } };
    feed_stream(&rn, 0, a, 1, 1);
    feed_stream(&rn, 1, b, 1, 2);
    CHECK(rn.r[1]->conn != rn.r[2]->conn);
    CHECK(rn.r[2]->step[0] == HS_STEP_SYN && !anomaly(&rn, 2, HS_AN_SIM_OPEN));
    hs_engine_free(rn.eng);
}

static void test_history_repeats(void)
{
    /* S repeats only with a new sequence number; A and D once per side. */
    const pkt p[] = { { C, SYN, 5, 0, 0 }, { C, SYN, 5, 0, 0 }, { S, SYN | ACK, 50, 6, 0 },
                      { C, ACK, 6, 51, 0 }, { C, ACK, 6, 51, 0 }, { C, PSH | ACK, 6, 51, 3 },
                      { C, PSH | ACK, 9, 51, 3 }, { S, RST, 51, 0, 0 }, { S, RST, 51, 0, 0 } };
    run rn = feed(p, 9);
    CHECK_STR(hs_history_of(conn(&rn, 9)), "ShADr");
    hs_engine_free(rn.eng);
}


/* ---- Zeek's view: every conn_state, history rules, timers ---------------- */

typedef struct tpkt { double t; uint8_t dir; uint16_t flags; uint32_t seq, ack, len; } tpkt;

/* Packets with explicit times (seconds) and port hints for the first one. */
static run feed_timed(const tpkt *p, int n, uint8_t hint)
{
    run rn = { hs_engine_new(), { 0 }, 0 };
    for (int i = 0; i < n; i++) {
        hs_segment s = SEG((int64_t)(p[i].t * 1e9), (uint32_t)i + 1, p[i].seq, p[i].ack, p[i].len,
                         p[i].flags, p[i].dir, HS_HAVE_ALL, 0, (uint8_t)(i == 0 ? hint : 0));
        rn.r[i + 1] = ADD(rn.eng, 0, &s);
    }
    rn.n = n;
    return rn;
}

static void expect_zeek(const tpkt *p, int n, uint8_t hint, const char *state_name, const char *history)
{
    run rn = feed_timed(p, n, hint);
    CHECK_STR(state(&rn, n), state_name);
    CHECK_STR(hs_history_of(conn(&rn, n)), history);
    hs_engine_free(rn.eng);
}

static void test_zeek_every_conn_state(void)
{
    const tpkt s0[] = { { 0, C, SYN, 1, 0, 0 } };
    const tpkt s1[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 } };
    const tpkt sf[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                        { .3, C, FIN | ACK, 2, 10, 0 }, { .4, S, FIN | ACK, 10, 3, 0 }, { .5, C, ACK, 3, 11, 0 } };
    const tpkt rej[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, RST | ACK, 0, 2, 0 } };
    const tpkt s2[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                        { .3, C, FIN | ACK, 2, 10, 0 } };
    const tpkt s3[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                        { .3, S, FIN | ACK, 10, 2, 0 } };
    const tpkt rsto[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, RST, 2, 0, 0 } };
    const tpkt rstr[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                          { .3, S, RST, 10, 0, 0 } };
    const tpkt rstos0[] = { { 0, C, SYN, 1, 0, 0 }, { .1, C, RST, 2, 0, 0 } };
    /* The responder's SYN+ACK then RST, the originator never seen. */
    const tpkt rstrh[] = { { 0, S, SYN | ACK, 9, 2, 0 }, { .1, S, RST, 10, 0, 0 } };
    const tpkt sh[] = { { 0, C, SYN, 1, 0, 0 }, { .1, C, FIN, 2, 0, 0 } };
    const tpkt shr[] = { { 0, S, SYN | ACK, 9, 2, 0 }, { .1, S, FIN | ACK, 10, 2, 0 } };
    const tpkt oth[] = { { 0, C, PSH | ACK, 100, 900, 10 }, { .1, S, ACK, 900, 110, 0 } };
    expect_zeek(s0, 1, 0, "S0", "S");
    expect_zeek(s1, 3, 0, "S1", "ShA");
    expect_zeek(sf, 6, 0, "SF", "ShAFf");
    expect_zeek(rej, 2, 0, "REJ", "Sr");
    expect_zeek(s2, 4, 0, "S2", "ShAF");
    expect_zeek(s3, 4, 0, "S3", "ShAf");
    expect_zeek(rsto, 3, 0, "RSTO", "ShR");
    expect_zeek(rstr, 4, 0, "RSTR", "ShAr");
    expect_zeek(rstos0, 2, 0, "RSTOS0", "SR");
    expect_zeek(rstrh, 2, HS_HINT_SPORT_SERVER, "RSTRH", "^hr");
    expect_zeek(sh, 2, 0, "SH", "SF");
    expect_zeek(shr, 2, HS_HINT_SPORT_SERVER, "SHR", "^hf");
    expect_zeek(oth, 2, 0, "OTH", "Da");
}

static void test_zeek_history_rules(void)
{
    /* SYN+ACK first, no port hint: Zeek first takes its sender for the
     * originator, then flips on the next A/D and rewrites "H" to "^h". */
    const tpkt flip2[] = { { 0, S, SYN | ACK, 9, 2, 0 }, { .1, C, ACK, 2, 10, 0 },
                           { .2, C, FIN | ACK, 2, 10, 0 }, { .3, S, FIN | ACK, 10, 3, 0 } };
    expect_zeek(flip2, 4, 0, "SF", "^hAFf");
    /* SYN/SYN-ACK reversal: the late SYN flips the roles ("Hs^"). */
    const tpkt rev[] = { { 0, S, SYN | ACK, 9, 2, 0 }, { .05, C, SYN, 1, 0, 0 }, { .1, C, ACK, 2, 10, 0 } };
    expect_zeek(rev, 3, 0, "S1", "Hs^A");
    /* Q for SYN+FIN, I for FIN+RST. */
    const tpkt q[] = { { 0, C, SYN | FIN, 1, 0, 0 } };
    run rn = feed_timed(q, 1, 0);
    CHECK_STR(hs_history_of(conn(&rn, 1)), "Q");
    hs_engine_free(rn.eng);
    const tpkt ii[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, FIN | RST | ACK, 2, 10, 0 } };
    expect_zeek(ii, 3, 0, "RSTO", "ShI");
    /* T on the 1st and 10th retransmission, not between. */
    tpkt tt[16] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, PSH | ACK, 2, 10, 5 } };
    for (int i = 3; i < 13; i++)
        tt[i] = (tpkt){ .3 + i * .01, C, PSH | ACK, 2, 10, 5 };
    expect_zeek(tt, 13, 0, "S1", "ShDTT");
    tt[13] = (tpkt){ .5, C, PSH | ACK, 2, 10, 5 };
    expect_zeek(tt, 14, 0, "S1", "ShDTT");
    /* F repeats only with a new FIN sequence number. */
    const tpkt ff[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, FIN | ACK, 2, 10, 0 },
                        { .3, C, FIN | ACK, 2, 10, 0 }, { .4, C, FIN | ACK, 2, 10, 3 } };
    expect_zeek(ff, 5, 0, "S2", "ShFF");
}

static void test_zeek_timers_split_attempts(void)
{
    /* An unanswered SYN: Zeek's attempt timer ends the record 5 s later. */
    const tpkt syns[] = { { 0, C, SYN, 1, 0, 0 }, { 1, C, SYN, 1, 0, 0 }, { 3, C, SYN, 1, 0, 0 },
                          { 7, C, SYN, 1, 0, 0 } };
    run rn = feed_timed(syns, 4, 0);
    CHECK(conn(&rn, 3)->attempt == 1 && conn(&rn, 4)->attempt == 2);
    CHECK(anomaly(&rn, 4, HS_AN_SYN_RETRANS) && (rn.r[4]->flags & HS_RES_RETRANS));
    hs_engine_free(rn.eng);
    /* After a complete close, a packet 5 s later belongs to a new record. */
    const tpkt late[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                          { .3, C, FIN | ACK, 2, 10, 0 }, { .4, S, FIN | ACK, 10, 3, 0 },
                          { .5, C, ACK, 3, 11, 0 }, { 6, S, RST, 11, 0, 0 } };
    rn = feed_timed(late, 7, 0);
    CHECK(conn(&rn, 6)->attempt == 1 && conn(&rn, 7)->attempt == 2);
    CHECK_STR(state(&rn, 6), "SF");
    CHECK_STR(label(&rn, 7), "RST");
    hs_engine_free(rn.eng);
    /* Five minutes of silence end an established connection. */
    const tpkt idle[] = { { 0, C, PSH | ACK, 100, 900, 10 }, { .1, S, ACK, 900, 110, 0 },
                          { 400, C, PSH | ACK, 110, 900, 10 } };
    rn = feed_timed(idle, 3, 0);
    CHECK(conn(&rn, 3)->attempt == 2);
    CHECK(anomaly(&rn, 3, HS_AN_NO_HANDSHAKE));
    hs_engine_free(rn.eng);
    /* ... but not one minute. */
    const tpkt busy[] = { { 0, C, PSH | ACK, 100, 900, 10 }, { .1, S, ACK, 900, 110, 0 },
                          { 60, C, PSH | ACK, 110, 900, 10 } };
    rn = feed_timed(busy, 3, 0);
    CHECK(conn(&rn, 3)->attempt == 1);
    hs_engine_free(rn.eng);
}

static void test_zeek_port_heuristic(void)
{
    /* Mid-stream data from port 80 to a client port: the receiver is Zeek's
     * originator, and ours: the initiator role follows it. */
    const tpkt p[] = { { 0, S, PSH | ACK, 900, 100, 10 }, { .1, C, ACK, 100, 910, 0 } };
    run rn = feed_timed(p, 2, HS_HINT_SPORT_SERVER);
    CHECK_STR(hs_history_of(conn(&rn, 2)), "^dA");
    CHECK(rn.r[1]->flags & HS_RES_RESPONDER);
    hs_engine_free(rn.eng);
    /* Both ports likely: only a lower source port flips. */
    rn = feed_timed(p, 2, HS_HINT_SPORT_SERVER | HS_HINT_DPORT_SERVER);
    CHECK_STR(hs_history_of(conn(&rn, 2)), "Da");
    hs_engine_free(rn.eng);
    rn = feed_timed(p, 2, HS_HINT_SPORT_SERVER | HS_HINT_DPORT_SERVER | HS_HINT_SPORT_LOWER);
    CHECK_STR(hs_history_of(conn(&rn, 2)), "^dA");
    hs_engine_free(rn.eng);
}

static void test_history_is_bounded(void)
{
    /* A long ping-pong of new FINs and RSTs cannot overrun the history. */
    run rn = { hs_engine_new(), { 0 }, 0 };
    for (uint32_t i = 0; i < 60; i++) {
        hs_segment s = SEG(i, i + 1, 1000 + i * 10, 0, 0, (uint16_t)(i % 2 ? RST : FIN | ACK), (uint8_t)(i % 2),
                         HS_HAVE_ALL, 0, 0);
        hs_engine_add(rn.eng, 0, &s);
    }
    const hs_conn *c = conn_of(rn.eng, hs_engine_conn_count(rn.eng));
    CHECK(strlen(hs_history_of(c)) <= HS_HISTORY_MAX);
    hs_engine_free(rn.eng);
}

/* ---- Zeek's conn.log sizes: sequence space, as TCP_Endpoint::Size() ------ */

static void test_zeek_size_seed(void)
{
    run rn = feed(seed, 10);
    const hs_conn *c = conn(&rn, 10);
    CHECK(hs_zeek_orig_dir(c) == C);
    CHECK(hs_zeek_size(c, C) == 361 && hs_zeek_size(c, S) == 223);   /* SYN and FIN not counted */
    /* last_time stops once both sides closed: the final ACK is not in it. */
    CHECK(hs_zeek_last_ns(c) == 9 * 10000000 && c->last_ns == 10 * 10000000);
    hs_engine_free(rn.eng);
}

static void test_zeek_size_rules(void)
{
    /* A lone SYN: nothing sent, nothing answered. */
    const tpkt s0[] = { { 0, C, SYN, 1, 0, 0 } };
    run rn = feed_timed(s0, 1, 0);
    CHECK(hs_zeek_size(conn(&rn, 1), C) == 0 && hs_zeek_size(conn(&rn, 1), S) == 0);
    hs_engine_free(rn.eng);
    /* Acknowledged but never seen: Zeek counts the 50 bytes the capture missed. */
    const tpkt gap[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                         { .3, C, PSH | ACK, 2, 10, 100 }, { .4, S, ACK, 10, 152, 0 } };
    rn = feed_timed(gap, 5, 0);
    CHECK(hs_zeek_size(conn(&rn, 5), C) == 150);
    hs_engine_free(rn.eng);
    /* A RST's payload is not stream data, nor is an acknowledgment on a RST trusted. */
    const tpkt rst[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, PSH | ACK, 2, 10, 5 },
                         { .3, S, RST | ACK, 10, 900, 40 } };
    rn = feed_timed(rst, 4, 0);
    CHECK(hs_zeek_size(conn(&rn, 4), C) == 5 && hs_zeek_size(conn(&rn, 4), S) == 0);
    hs_engine_free(rn.eng);
    /* Sequence numbers wrapping past 2^32 inside the data. */
    const tpkt wrap[] = { { 0, C, SYN, 0xffffff00u, 0, 0 }, { .1, S, SYN | ACK, 9, 0xffffff01u, 0 },
                          { .2, C, PSH | ACK, 0xffffff01u, 10, 0x100 }, { .3, C, PSH | ACK, 0x01, 10, 0x100 },
                          { .4, S, ACK, 10, 0x101, 0 } };
    rn = feed_timed(wrap, 4, 0);            /* seen: the sent data wraps */
    CHECK(hs_zeek_size(conn(&rn, 4), C) == 0x200);
    hs_engine_free(rn.eng);
    rn = feed_timed(wrap, 5, 0);            /* acknowledged: the ack wraps too */
    CHECK(hs_zeek_size(conn(&rn, 5), C) == 0x200);
    hs_engine_free(rn.eng);
    /* A half-open connection discovered and aborted: SYN, an ACK from the
     * silent side (which Zeek ignores for its state), the originator's RST. */
    const tpkt half[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, ACK, 9, 50, 0 }, { .2, C, RST, 2, 0, 0 } };
    rn = feed_timed(half, 3, 0);
    CHECK(hs_zeek_size(conn(&rn, 3), C) == 0);
    CHECK_STR(hs_history_of(conn(&rn, 3)), "SaR");
    hs_engine_free(rn.eng);
    /* Both sides reset: REJ only if neither sent anything by sequence space,
     * acknowledged-but-unseen bytes included. */
    const tpkt both[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, ACK, 2, 10, 0 },
                          { .3, S, ACK, 10, 52, 0 }, { .4, C, RST, 52, 0, 0 }, { .5, S, RST, 10, 0, 0 } };
    expect_zeek(both, 6, 0, "RSTR", "ShAaRr");
    const tpkt none[] = { { 0, C, SYN, 1, 0, 0 }, { .1, S, SYN | ACK, 9, 2, 0 }, { .2, C, RST, 2, 0, 0 },
                          { .3, S, RST, 10, 0, 0 } };
    expect_zeek(none, 4, 0, "REJ", "ShRr");
}

/* ---- SPEC section 10: what an attempt comes to (verdicts.c) ---------------- */

#define HANDSHAKE { C, SYN, 1000, 0, 0 }, { S, SYN | ACK, 5000, 1001, 0 }, { C, ACK, 1001, 5001, 0 }

static const char *outcome(const run *rn, int frame, int64_t end_ns)
{
    return hs_outcome_name(hs_outcome_of(conn(rn, frame), end_ns));
}

static void test_outcome(void)
{
    const pkt ok[] = { HANDSHAKE };
    run rn = feed(ok, 3);
    CHECK_STR(outcome(&rn, 3, 0), "established");
    hs_engine_free(rn.eng);
    const pkt refused[] = { { C, SYN, 1000, 0, 0 }, { S, RST | ACK, 0, 1001, 0 } };
    rn = feed(refused, 2);
    CHECK_STR(outcome(&rn, 2, 0), "refused");
    hs_engine_free(rn.eng);
    const pkt half[] = { { C, SYN, 1000, 0, 0 }, { S, SYN | ACK, 5000, 1001, 0 }, { C, RST, 1001, 0, 0 } };
    rn = feed(half, 2);
    CHECK_STR(outcome(&rn, 2, 0), "incomplete");             /* the SYN+ACK never acknowledged */
    hs_engine_free(rn.eng);
    rn = feed(half, 3);
    CHECK_STR(outcome(&rn, 3, 0), "reset by initiator");
    hs_engine_free(rn.eng);
    const pkt mid[] = { { C, ACK | PSH, 1001, 5001, 10 } };
    rn = feed(mid, 1);
    CHECK_STR(outcome(&rn, 1, 0), "no handshake seen");
    hs_engine_free(rn.eng);
}

/* An unanswered SYN: "no answer" once Linux's next retry (1 s, then 2 s,
 * 4 s ... after the last SYN) was due before the capture ended, "ended too
 * soon" before. */
static void test_outcome_unanswered(void)
{
    const pkt one[] = { { C, SYN, 1000, 0, 0 } };
    run rn = feed(one, 1);                                      /* at 10 ms */
    const int64_t syn = 10000000, s1 = 1000000000;
    CHECK_STR(outcome(&rn, 1, syn + s1 - 1), "ended too soon");
    CHECK_STR(outcome(&rn, 1, syn + s1), "no answer");
    CHECK(hs_engine_last_ns(rn.eng) == syn);
    hs_engine_free(rn.eng);
    const pkt three[] = { { C, SYN, 1000, 0, 0 }, { C, SYN, 1000, 0, 0 }, { C, SYN, 1000, 0, 0 } };
    rn = feed(three, 3);                                        /* two retries: the next after 4 s */
    CHECK_STR(outcome(&rn, 3, 30000000 + 4 * s1 - 1), "ended too soon");
    CHECK_STR(outcome(&rn, 3, 30000000 + 4 * s1), "no answer");
    hs_engine_free(rn.eng);
}

/* A new SYN meeting an older connection (CLOSE_WAIT here), answered with a
 * challenge ACK. */
static void test_outcome_challenged(void)
{
    const pkt p[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, ACK, 5001, 1002, 0 },
                      { C, SYN, 90000, 0, 0 }, { S, ACK, 5001, 1002, 0 } };
    run rn = feed(p, 7);
    CHECK(conn(&rn, 6)->attempt == 2);
    CHECK_STR(outcome(&rn, 7, 0), "challenged");
    CHECK_STR(outcome(&rn, 5, 0), "established");
    hs_engine_free(rn.eng);
}

static const char *close_kind(const pkt *p, int n)
{
    run rn = feed(p, n);
    const char *k = hs_close_kind_name(hs_close_kind_of(conn(&rn, n)));
    hs_engine_free(rn.eng);
    return k;
}

static void test_close_kinds(void)
{
    const pkt four[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, ACK, 5001, 1002, 0 },
                         { S, FIN | ACK, 5001, 1002, 0 }, { C, ACK, 1002, 5002, 0 } };
    CHECK_STR(close_kind(four, 7), "4-packet");
    const pkt three[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, FIN | ACK, 5001, 1002, 0 },
                          { C, ACK, 1002, 5002, 0 } };
    CHECK_STR(close_kind(three, 6), "3-packet");
    const pkt sim[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, FIN | ACK, 5001, 1001, 0 },
                        { C, ACK, 1002, 5002, 0 }, { S, ACK, 5002, 1002, 0 } };
    CHECK_STR(close_kind(sim, 7), "simultaneous");
    const pkt rst_after[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, FIN | ACK, 5001, 1002, 0 },
                              { C, RST, 1002, 0, 0 } };
    CHECK_STR(close_kind(rst_after, 6), "reset after close");
    const pkt then_rst[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, ACK | PSH, 5001, 1002, 10 },
                             { C, RST, 1002, 0, 0 } };
    CHECK_STR(close_kind(then_rst, 6), "close then reset");
    const pkt abort[] = { HANDSHAKE, { C, RST | ACK, 1001, 5001, 0 } };
    CHECK_STR(close_kind(abort, 4), "abort");
    const pkt one_fin[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 } };
    CHECK_STR(close_kind(one_fin, 4), "incomplete");
    const pkt open[] = { HANDSHAKE };
    CHECK_STR(close_kind(open, 3), "never closed");
    const pkt refused[] = { { C, SYN, 1000, 0, 0 }, { S, RST | ACK, 0, 1001, 0 } };
    CHECK_STR(close_kind(refused, 2), "");                     /* never established */
}

/* hs.data.none: final, on the handshake's ACK. */
static void test_data_none(void)
{
    const pkt empty[] = { HANDSHAKE, { C, FIN | ACK, 1001, 5001, 0 }, { S, FIN | ACK, 5001, 1002, 0 },
                          { C, ACK, 1002, 5002, 0 } };
    run rn = feed(empty, 6);
    const hs_conn *c = conn(&rn, 6);
    CHECK(hs_final_anomalies(c, rn.r[3], 3) & HS_AN_BIT(HS_AN_DATA_NONE));
    CHECK(!(hs_final_anomalies(c, rn.r[4], 4) & HS_AN_BIT(HS_AN_DATA_NONE)));
    CHECK(hs_conn_final_anomalies(c) & HS_AN_BIT(HS_AN_DATA_NONE));
    CHECK(!(rn.r[3]->anomalies & HS_AN_BIT(HS_AN_DATA_NONE)));  /* never per packet */
    hs_engine_free(rn.eng);
    const pkt data[] = { HANDSHAKE, { S, ACK | PSH, 5001, 1001, 10 }, { C, FIN | ACK, 1001, 5011, 0 },
                         { S, FIN | ACK, 5011, 1002, 0 }, { C, ACK, 1002, 5012, 0 } };
    rn = feed(data, 7);
    CHECK(!(hs_conn_final_anomalies(conn(&rn, 7)) & HS_AN_BIT(HS_AN_DATA_NONE)));
    hs_engine_free(rn.eng);
    const pkt open[] = { HANDSHAKE };                            /* not closed: cannot tell */
    rn = feed(open, 3);
    CHECK(!(hs_conn_final_anomalies(conn(&rn, 3)) & HS_AN_BIT(HS_AN_DATA_NONE)));
    hs_engine_free(rn.eng);
}

int main(void)
{
    RUN(test_seed_steps);
    RUN(test_outcome);
    RUN(test_outcome_unanswered);
    RUN(test_outcome_challenged);
    RUN(test_close_kinds);
    RUN(test_data_none);
    RUN(test_seed_kernel_states);
    RUN(test_describe);
    RUN(test_three_packet_close);
    RUN(test_fin_with_data);
    RUN(test_ack_of_data_before_fin_is_no_step);
    RUN(test_wraparound);
    RUN(test_isn_zero);
    RUN(test_seq_helpers);
    RUN(test_refused_and_retry);
    RUN(test_refusal_with_wrong_ack);
    RUN(test_syn_retransmissions_unanswered);
    RUN(test_synack_retransmission_and_rtt);
    RUN(test_rtt_clean);
    RUN(test_rtt_not_from_retransmitted_syn);
    RUN(test_bad_synack_ack);
    RUN(test_synack_new_seq);
    RUN(test_handshake_ack_wrong_seq);
    RUN(test_handshake_ack_with_data);
    RUN(test_tfo);
    RUN(test_tfo_data_refused);
    RUN(test_simultaneous_close);
    RUN(test_simultaneous_open);
    RUN(test_synack_wrong_direction);
    RUN(test_rst_abort);
    RUN(test_rst_by_responder);
    RUN(test_rst_after_close);
    RUN(test_syn_then_rst);
    RUN(test_data_after_fin);
    RUN(test_retransmitted_data_before_fin_is_fine);
    RUN(test_fin_unacked);
    RUN(test_midstream);
    RUN(test_synack_first);
    RUN(test_port_reuse_same_stream);
    RUN(test_new_isn_is_new_attempt);
    RUN(test_port_reuse_new_stream);
    RUN(test_stream_split_mid_attempt);
    RUN(test_bad_flags);
    RUN(test_missing_fields);
    RUN(test_frame_zero_and_huge_stream);
    RUN(test_frame_analysed_once);
    RUN(test_many_streams);
    RUN(test_streams_are_independent);
    RUN(test_history_repeats);
    RUN(test_zeek_every_conn_state);
    RUN(test_zeek_history_rules);
    RUN(test_zeek_timers_split_attempts);
    RUN(test_zeek_port_heuristic);
    RUN(test_history_is_bounded);
    RUN(test_zeek_size_seed);
    RUN(test_zeek_size_rules);
    printf("engine: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
