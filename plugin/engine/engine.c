/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.c - the rules of the Handshake connection engine: SPEC section 1
 * in code, the TCP lifecycle of one connection attempt.
 *
 * One hs_conn per connection attempt; tcp.stream indexes the current one.
 * Each segment is classified by its flags, then handled in a fixed order
 * (its acknowledgment first, then its FIN) so that a packet doing two steps
 * (FIN+ACK(Y,X+1)) gets both, in order.  Before the handlers run, the
 * modules look at the segment as the attempt stands: negotiation.c (what
 * it offers), accept.c (what its receiver does with it); after them,
 * zeek.c (Zeek's view), diagnosis.c (who stopped it: hop counts, IP IDs,
 * a full accept queue) and labels.c (the numbers its label names).  Where
 * results and attempts live, and what they cost, is store.c's business:
 * a pointer to an attempt lives until the next hs_engine_add().
 */
#include "engine.h"
#include "accept.h"
#include "diagnosis.h"
#include "labels.h"
#include "negotiation.h"
#include "store.h"
#include "zeek.h"

#include <stdlib.h>
#include <string.h>

/* tcp.stream is dense (0, 1, 2, ...): anything past this is not a stream
 * number Wireshark could have produced, and would cost memory to index. */
#define HS_MAX_STREAMS (UINT32_C(1) << 27)
/* 4-tuple ids are dense too (the glue numbers them from 1). */
#define HS_MAX_TUPLES  HS_MAX_STREAMS

struct hs_engine {
    hs_store  *store;           /* frames, attempts, indexes: store.h */
    hs_result  cur;             /* what hs_engine_add() returns */
    int64_t    last_ns;         /* the latest segment's time */
};

hs_engine *hs_engine_new(void)
{
    hs_engine *eng = calloc(1, sizeof *eng);
    if (eng && !(eng->store = hs_store_new())) {
        free(eng);
        eng = NULL;
    }
    return eng;
}

void hs_engine_free(hs_engine *eng)
{
    if (eng)
        hs_store_free(eng->store);
    free(eng);
}

void hs_engine_set_cold_frames(hs_engine *eng, uint32_t frames)
{
    if (eng)
        hs_store_set_cold_frames(eng->store, frames);
}

bool hs_engine_result(const hs_engine *eng, uint32_t frame, hs_result *out)
{
    return eng && hs_store_result(eng->store, frame, out);
}

const hs_conn *hs_engine_conn(const hs_engine *eng, uint32_t id, hs_conn *buf)
{
    return eng ? hs_store_conn(eng->store, id, buf) : NULL;
}

bool hs_engine_stream_seen(const hs_engine *eng, uint32_t stream)
{
    return eng && hs_store_stream_conn(eng->store, stream) != 0;
}

uint32_t hs_engine_conn_count(const hs_engine *eng) { return eng ? hs_store_conn_count(eng->store) : 0; }
int64_t  hs_engine_last_ns(const hs_engine *eng)    { return eng ? eng->last_ns : 0; }
size_t   hs_engine_bytes(const hs_engine *eng)      { return eng ? sizeof *eng + hs_store_bytes(eng->store) : 0; }

/* ---- classification ---------------------------------------------------- */

typedef enum seg_kind {
    KIND_PLAIN,   /* ACK and/or data, no SYN/FIN/RST */
    KIND_SYN, KIND_SYNACK, KIND_FIN, KIND_RST,
    KIND_SYN_FIN, KIND_SYN_RST, KIND_NULL, KIND_XMAS
} seg_kind;

static seg_kind classify(uint16_t f)
{
    if ((f & (HS_TH_SYN | HS_TH_FIN)) == (HS_TH_SYN | HS_TH_FIN)) return KIND_SYN_FIN;
    if ((f & (HS_TH_SYN | HS_TH_RST)) == (HS_TH_SYN | HS_TH_RST)) return KIND_SYN_RST;
    if (!(f & 0x3f))                                              return KIND_NULL;
    if ((f & (HS_TH_FIN | HS_TH_PSH | HS_TH_URG | HS_TH_ACK)) ==
        (HS_TH_FIN | HS_TH_PSH | HS_TH_URG))                      return KIND_XMAS;
    if (f & HS_TH_RST)                                            return KIND_RST;
    if (f & HS_TH_SYN) return (f & HS_TH_ACK) ? KIND_SYNACK : KIND_SYN;
    if (f & HS_TH_FIN)                                            return KIND_FIN;
    return KIND_PLAIN;
}

static const hs_label bad_label[] = {
    [KIND_SYN_FIN] = HS_LBL_SYN_FIN, [KIND_SYN_RST] = HS_LBL_SYN_RST,
    [KIND_NULL] = HS_LBL_NULL, [KIND_XMAS] = HS_LBL_XMAS,
};

/* ---- per-segment context --------------------------------------------- */

typedef struct ctx {
    hs_conn          *c;
    const hs_segment *seg;
    hs_result        *res;
    int               role;     /* sender's role */
    hs_side          *me, *peer;
} ctx;

static bool has(const ctx *x, uint8_t what) { return (x->seg->have & what) == what; }
static bool acks(const ctx *x)  { return (x->seg->flags & HS_TH_ACK) && has(x, HS_HAVE_ACK); }

static void flag_anomaly(ctx *x, enum hs_anomaly a) { x->res->anomalies |= HS_AN_BIT(a); }

static void add_step(ctx *x, enum hs_step s, uint32_t answers)
{
    hs_conn *c = x->c;
    if (!x->res->step[0])
        x->res->step[0] = (uint8_t)s;
    else if (!x->res->step[1])
        x->res->step[1] = (uint8_t)s;
    if (!c->step_frame[s])
        c->step_frame[s] = x->seg->frame;
    if (answers && !x->res->answers)
        x->res->answers = answers;
}

/* Whether the receiver takes the segment (a verdict unknown counts as yes). */
static bool taken(const ctx *x)
{
    return x->res->accept != HS_ACC_IGNORED && x->res->accept != HS_ACC_CHALLENGE;
}

/* The sender resets the attempt. */
static void reset_by(ctx *x)
{
    x->me->flags |= HS_SIDE_RST;
    x->c->flags |= HS_CONN_RESET;
}

/* Record whether the numbers the step names check out.  A packet doing two
 * steps is valid only if both are. */
static void check(ctx *x, bool checked, bool valid)
{
    hs_result *r = x->res;
    if (!checked)
        return;
    if (!(r->flags & HS_RES_CHECKED))
        r->flags |= HS_RES_CHECKED | (valid ? HS_RES_VALID : 0);
    else if (!valid)
        r->flags &= (uint8_t)~HS_RES_VALID;
}

/* The initiator's acceptable seq/ack after its SYN: x+1, or x+1+len when the
 * SYN carried data (TFO) that the responder accepted. */
static bool acks_syn(const hs_side *s, uint32_t ack)
{
    return ack == s->isn + 1 || (s->syn_len && ack == s->isn + 1 + s->syn_len);
}

/* Port hints seen from the other side: source and destination swap. */
static uint8_t hint_swap(uint8_t h)
{
    uint8_t out = (uint8_t)(h & HS_HINT_PORTS_EQUAL);
    if (h & HS_HINT_SPORT_SERVER) out |= HS_HINT_DPORT_SERVER;
    if (h & HS_HINT_DPORT_SERVER) out |= HS_HINT_SPORT_SERVER;
    if (!(h & (HS_HINT_SPORT_LOWER | HS_HINT_PORTS_EQUAL))) out |= HS_HINT_SPORT_LOWER;
    return out;
}

/* The segment as the Zeek model sees it: with the stream's port hints. */
static hs_segment with_hint(const hs_conn *c, const hs_segment *s)
{
    hs_segment z = *s;
    z.hint = s->dir ? hint_swap(c->hint0) : c->hint0;
    return z;
}

/* ---- new attempts -------------------------------------------------------- */

/* Zeek's did_close on either side: any SYN after it starts a new attempt. */
static bool attempt_closed(const hs_conn *c)
{
    return (c->flags & (HS_CONN_RESET | HS_CONN_REFUSED)) ||
           ((c->side[0].flags | c->side[1].flags) & (HS_SIDE_FIN | HS_SIDE_RST));
}

static bool conn_over(const hs_conn *c)
{
    return (c->flags & (HS_CONN_RESET | HS_CONN_REFUSED)) ||
           ((c->side[0].flags & HS_SIDE_FIN) && (c->side[1].flags & HS_SIDE_FIN));
}

/* Does a pure SYN continue attempt c (retransmission, crossing SYN, or a
 * SYN meeting the synchronized connection, which answers it with a
 * challenge ACK and goes on: RFC 5961 section 4.2)? */
static bool syn_continues(const hs_conn *c, const hs_segment *s)
{
    int role = s->dir == c->init_dir ? HS_INITIATOR : HS_RESPONDER;
    const hs_side *me = &c->side[role];
    if (attempt_closed(c) || (c->flags & HS_CONN_MIDSTREAM))
        return false;
    if (c->flags & HS_CONN_ESTABLISHED)
        return true;
    if (role == HS_INITIATOR)   /* retransmitted, or the late SYN of a SYN+ACK-first capture */
        return (me->flags & HS_SIDE_ISN) && me->isn == s->seq;
    if (c->flags & HS_CONN_FLIPPED)
        return false;
    /* Simultaneous open: the responder's own SYN (or its retransmission)
     * before the handshake is done and before it answered with SYN+ACK. */
    return !(c->flags & HS_CONN_ESTABLISHED) && !(me->flags & HS_SIDE_SYNACK) &&
           (!(me->flags & HS_SIDE_SYN) || me->isn == s->seq);
}

/* What the current attempt's receiver does with a SYN that does not
 * continue the attempt: a socket still synchronized (CLOSE_WAIT, TIME_WAIT)
 * answers it, with a challenge ACK or a new connection; a closed one, a
 * listener or a half-open one shows nothing here. */
static hs_accept syn_met(const hs_conn *c, const hs_segment *s)
{
    int role = s->dir == c->init_dir ? HS_INITIATOR : HS_RESPONDER;
    hs_kstate k = (hs_kstate)c->side[!role].kstate;
    if (k < HS_K_ESTABLISHED || k >= HS_K_CLOSED)
        return HS_ACC_NONE;
    return hs_accept_of(c, role, s);
}

/* The attempt a new one follows on the same 4-tuple: the stream's current
 * one, or the latest one of the 4-tuple in an earlier stream. */
static hs_conn *previous_attempt(hs_engine *eng, hs_conn *in_stream, uint32_t tuple, uint32_t frame)
{
    if (in_stream)
        return in_stream;
    if (tuple)
        return hs_store_conn_touch(eng->store, hs_store_tuple_conn(eng->store, tuple), frame);
    return NULL;
}

static hs_conn *start_attempt(hs_engine *eng, uint32_t stream, hs_conn *in_stream,
                              const hs_segment *s, seg_kind kind, hs_result *res)
{
    uint32_t tuple = in_stream ? in_stream->tuple : s->tuple;
    if (tuple >= HS_MAX_TUPLES)
        tuple = 0;                       /* not an id the glue could give */
    hs_conn *prev = previous_attempt(eng, in_stream, tuple, s->frame);
    if (tuple && !hs_store_tuple_reserve(eng->store, tuple))
        tuple = 0;
    hs_conn *c = hs_store_conn_new(eng->store, s->frame);
    if (!c)
        return NULL;
    c->stream = stream;
    c->tuple = tuple;
    c->hint0 = in_stream ? in_stream->hint0 : (s->dir ? hint_swap(s->hint) : s->hint);
    /* Counted per 4-tuple, not per tcp.stream: Wireshark 4.2+ itself starts
     * a new stream for a SYN after FIN or RST, 4.0 does not. */
    c->attempt = prev ? prev->attempt + 1 : 1;
    c->init_dir = s->dir;
    c->first_frame = s->frame;
    c->first_ns = s->time_ns;
    c->side[HS_RESPONDER].kstate = HS_K_LISTEN;
    if (kind == KIND_SYNACK) {
        /* The capture begins with the answer: the sender is the responder. */
        c->init_dir = (uint8_t)!s->dir;
        c->flags |= HS_CONN_FLIPPED;
        c->side[HS_INITIATOR].flags |= HS_SIDE_SYN;   /* sent, not seen */
    } else if (kind == KIND_PLAIN || kind == KIND_FIN || kind == KIND_RST) {
        /* Mid-stream: the originator is the sender, unless Zeek's port
         * heuristic says the sender is the server. */
        hs_segment zs = with_hint(c, s);
        if (hs_zeek_flips_first(&zs))
            c->init_dir = (uint8_t)!s->dir;
        c->flags |= HS_CONN_MIDSTREAM | HS_CONN_ESTABLISHED;
        res->anomalies |= HS_AN_BIT(HS_AN_NO_HANDSHAKE);
    } else if (kind != KIND_SYN) {
        c->flags |= HS_CONN_MIDSTREAM;   /* a lone impossible-flags probe */
    }
    if (prev && kind == KIND_SYN) {
        /* The same ISN again from the same side after a refusal is the
         * client retrying; anything else reuses the 4-tuple. */
        const hs_side *pi = &prev->side[HS_INITIATOR];
        bool retry = prev->init_dir == s->dir && (pi->flags & HS_SIDE_ISN) &&
                     pi->isn == s->seq && !(prev->flags & HS_CONN_ESTABLISHED);
        res->anomalies |= HS_AN_BIT(retry ? HS_AN_SYN_RETRANS : HS_AN_PORT_REUSE);
        if (retry) {
            res->flags |= HS_RES_RETRANS;
            c->side[HS_INITIATOR].syn_ns = pi->syn_ns;       /* the retry's delay and count */
            c->side[HS_INITIATOR].retries = pi->retries;
        }
    }
    hs_store_set_stream_conn(eng->store, stream, c->id);
    if (tuple)
        hs_store_set_tuple_conn(eng->store, tuple, c->id);
    res->flags |= HS_RES_NEW;
    return c;
}

/* ---- handlers ----------------------------------------------------------- */

static void on_syn(ctx *x)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    bool fresh = x->res->flags & HS_RES_NEW;
    hs_side *me = x->me;

    /* On the synchronized connection: answered with a challenge ACK, it
     * changes nothing, unless it is the initiator's own SYN again.  (A
     * challenged SYN that starts a new attempt is that attempt's SYN.) */
    if (x->res->accept == HS_ACC_CHALLENGE && !fresh && !(x->role == HS_INITIATOR && me->isn == s->seq)) {
        x->res->label = HS_LBL_SYN_CHALLENGED;
        return;
    }

    if (x->role == HS_RESPONDER) {        /* SYN crossing SYN */
        bool again = me->flags & HS_SIDE_SYN;
        me->flags |= HS_SIDE_SYN | HS_SIDE_ISN;
        me->isn = s->seq;
        me->syn_len = s->len;
        c->flags |= HS_CONN_SIM_OPEN;
        x->res->label = HS_LBL_SYN_CROSS;
        x->res->answers = c->step_frame[HS_STEP_SYN];
        flag_anomaly(x, again ? HS_AN_SYN_RETRANS : HS_AN_SIM_OPEN);
        if (again)
            x->res->flags |= HS_RES_RETRANS;
        return;
    }
    if (me->flags & HS_SIDE_ISN_GUESS) {
        /* The SYN arrives after the SYN+ACK (reordered capture): it
         * confirms the ISN the SYN+ACK acknowledged. */
        me->flags &= (uint16_t)~HS_SIDE_ISN_GUESS;
        fresh = true;
    }
    if (fresh) {
        me->flags |= HS_SIDE_SYN | HS_SIDE_ISN;
        me->isn = s->seq;
        me->syn_len = s->len;
        if (!(x->res->flags & HS_RES_RETRANS))
            c->step_ns[HS_STEP_SYN] = s->time_ns;
    } else {
        x->res->flags |= HS_RES_RETRANS;
        flag_anomaly(x, HS_AN_SYN_RETRANS);
    }
    if (!c->syn_ns)
        c->syn_ns = s->time_ns;
    if (x->res->flags & HS_RES_RETRANS) {
        c->flags |= HS_CONN_SYN_RETX;
        me->flags |= HS_SIDE_SYN_RETX;
    }
    if (s->len)
        flag_anomaly(x, HS_AN_SYN_DATA);
    add_step(x, HS_STEP_SYN, 0);
    check(x, true, true);
    if (x->res->accept == HS_ACC_CHALLENGE)
        x->res->label = HS_LBL_SYN_CHALLENGED;
}

static void on_synack(ctx *x)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    hs_side *me = x->me, *peer = x->peer;
    uint32_t syn_frame = c->step_frame[HS_STEP_SYN];

    if (x->role == HS_INITIATOR) {
        if (!(c->flags & HS_CONN_SIM_OPEN)) {
            flag_anomaly(x, HS_AN_SYNACK_WRONG_DIR);
            return;
        }
        /* Simultaneous open: the initiator answers the crossing SYN. */
        me->flags |= HS_SIDE_SYNACK;
        x->res->label = HS_LBL_SYNACK_CROSS;
        check(x, acks(x) && (peer->flags & HS_SIDE_ISN), acks(x) && acks_syn(peer, s->ack));
        if (peer->flags & HS_SIDE_SYNACK) {
            c->flags |= HS_CONN_ESTABLISHED;
            c->open_ns = s->time_ns;
        }
        return;
    }
    if (x->res->flags & HS_RES_NEW) {    /* capture starts with the SYN+ACK */
        peer->flags |= HS_SIDE_ISN | HS_SIDE_ISN_GUESS;
        peer->isn = s->ack - 1;
        flag_anomaly(x, HS_AN_SYN_MISSING);
    }
    if (!(me->flags & HS_SIDE_SYNACK)) {
        me->flags |= HS_SIDE_SYN | HS_SIDE_SYNACK | HS_SIDE_ISN;
        me->isn = s->seq;
        me->syn_len = s->len;
    } else if (me->isn == s->seq) {
        x->res->flags |= HS_RES_RETRANS;
        c->flags |= HS_CONN_SYNACK_RETX;
        me->flags |= HS_SIDE_SYN_RETX;
        flag_anomaly(x, HS_AN_SYNACK_RETRANS);
    } else {
        /* Another y (say the server restarted its listener): the initiator
         * answers the latest SYN+ACK, so y moves with it. */
        flag_anomaly(x, HS_AN_SYNACK_BAD_SEQ);
        me->isn = s->seq;
        me->syn_len = s->len;
        me->flags |= HS_SIDE_SYN_RETX;
        c->flags |= HS_CONN_SYNACK_RETX;      /* no clean SYN+ACK -> ACK time */
    }
    add_step(x, HS_STEP_SYNACK, syn_frame);
    bool checkable = acks(x) && (peer->flags & HS_SIDE_ISN) && !(peer->flags & HS_SIDE_ISN_GUESS);
    bool valid = acks(x) && acks_syn(peer, s->ack);
    check(x, checkable, valid);
    if (checkable && !valid)
        flag_anomaly(x, HS_AN_SYNACK_BAD_ACK);
    /* The SYN -> SYN+ACK leg ends at the first SYN+ACK that answers the SYN:
     * a retransmission, or one with another y, comes a timeout later. */
    if (checkable && valid && !(x->res->flags & HS_RES_RETRANS) && !(me->flags & HS_SIDE_SYN_RETX) &&
        !(x->res->anomalies & HS_AN_BIT(HS_AN_SYNACK_BAD_SEQ)))
        c->step_ns[HS_STEP_SYNACK] = s->time_ns;
    if ((c->flags & HS_CONN_SIM_OPEN) && (peer->flags & HS_SIDE_SYNACK) && !(c->flags & HS_CONN_ESTABLISHED)) {
        c->flags |= HS_CONN_ESTABLISHED;
        c->open_ns = s->time_ns;
    }
}

/* Step 3: the initiator's first segment after the responder's SYN+ACK. */
static void handshake_ack(ctx *x)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    if (x->role != HS_INITIATOR || (c->flags & (HS_CONN_ESTABLISHED | HS_CONN_SIM_OPEN)) ||
        !(x->peer->flags & HS_SIDE_SYNACK) || c->step_frame[HS_STEP_ACK] || !acks(x))
        return;
    const hs_side *me = x->me, *peer = x->peer;
    bool checkable = !(peer->flags & HS_SIDE_ISN_GUESS);
    bool seq_ok = !(me->flags & HS_SIDE_ISN) || (me->flags & HS_SIDE_ISN_GUESS) ||
                  !has(x, HS_HAVE_SEQ) || acks_syn(me, s->seq);
    bool valid = s->ack == peer->isn + 1 && seq_ok;
    add_step(x, HS_STEP_ACK, c->step_frame[HS_STEP_SYNACK]);
    check(x, checkable, valid);
    if (checkable && !valid) {
        flag_anomaly(x, HS_AN_ACK_BAD);
        return;
    }
    c->flags |= HS_CONN_ESTABLISHED;
    c->open_ns = s->time_ns;
    if (checkable && !(c->flags & HS_CONN_SYNACK_RETX))
        c->step_ns[HS_STEP_ACK] = s->time_ns;
}

/* The responder's ACK completing a simultaneous open whose initiator
 * answered with SYN+ACK: Suricata's "split handshake" (SYN, SYN, SYN+ACK,
 * ACK), where the responder never sends a SYN+ACK of its own. */
static void split_handshake_ack(ctx *x)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    if (x->role != HS_RESPONDER || !(c->flags & HS_CONN_SIM_OPEN) || (c->flags & HS_CONN_ESTABLISHED) ||
        !(x->peer->flags & HS_SIDE_SYNACK) || (x->me->flags & HS_SIDE_SYNACK) || !acks(x))
        return;
    add_step(x, HS_STEP_ACK, c->step_frame[HS_STEP_SYN]);
    x->res->label = HS_LBL_ACK_X1_SPLIT;
    bool valid = acks_syn(x->peer, s->ack);
    check(x, (x->peer->flags & HS_SIDE_ISN) != 0, valid);
    if (!valid)
        return;
    c->flags |= HS_CONN_ESTABLISHED;
    c->open_ns = s->time_ns;
}

/* Steps 5 and 7: the acknowledgment of the peer's FIN. */
static void fin_ack(ctx *x)
{
    hs_side *peer = x->peer;
    if (!acks(x) || !(peer->flags & HS_SIDE_FIN) || (peer->flags & HS_SIDE_FIN_ACKED))
        return;
    if (hs_seq_lt(x->seg->ack, peer->fin_seq + 1))
        return;                      /* acknowledges data before the FIN */
    peer->flags |= HS_SIDE_FIN_ACKED;
    int peer_role = !x->role;
    enum hs_step step = peer_role == x->c->closer ? HS_STEP_ACK1 : HS_STEP_ACK2;
    enum hs_step fin = step == HS_STEP_ACK1 ? HS_STEP_FIN1 : HS_STEP_FIN2;
    add_step(x, step, x->c->step_frame[fin]);
    check(x, true, x->seg->ack == peer->fin_seq + 1);
    const hs_side *me = x->me;
    if ((me->flags & HS_SIDE_FIN) && (me->flags & HS_SIDE_FIN_ACKED))
        x->c->closed_ns = x->seg->time_ns;        /* both FINs acknowledged */
}

/* What a segment's acknowledgment does: steps 3, 5 and 7. */
static void acknowledgments(ctx *x)
{
    handshake_ack(x);
    split_handshake_ack(x);
    fin_ack(x);
}

static void on_fin(ctx *x)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    hs_side *me = x->me;
    uint32_t fin_seq = s->seq + s->len;

    if (!taken(x)) {                              /* dropped: closes nothing */
        x->res->label = x->res->accept == HS_ACC_CHALLENGE ? HS_LBL_FIN_CHALLENGED : HS_LBL_FIN_IGNORED;
        return;
    }
    if (!(me->flags & HS_SIDE_FIN)) {
        me->flags |= HS_SIDE_FIN;
        me->fin_seq = fin_seq;
        if (!c->fin_ns)
            c->fin_ns = s->time_ns;
        if (c->closer == HS_ROLE_NONE) {
            c->closer = (uint8_t)x->role;
            add_step(x, HS_STEP_FIN1, 0);
        } else {
            const hs_side *closer = &c->side[c->closer];
            if (!(closer->flags & HS_SIDE_FIN_ACKED)) {   /* FIN crossing FIN */
                c->flags |= HS_CONN_SIM_CLOSE;
                flag_anomaly(x, HS_AN_SIM_CLOSE);
            }
            add_step(x, HS_STEP_FIN2, c->step_frame[HS_STEP_FIN1]);
        }
        check(x, has(x, HS_HAVE_SEQ | HS_HAVE_LEN), true);
        return;
    }
    enum hs_step step = x->role == c->closer ? HS_STEP_FIN1 : HS_STEP_FIN2;
    add_step(x, step, step == HS_STEP_FIN2 ? c->step_frame[HS_STEP_FIN1] : 0);
    x->res->flags |= HS_RES_RETRANS;
    flag_anomaly(x, HS_AN_FIN_RETRANS);
    check(x, true, fin_seq == me->fin_seq);
}

/* An RST its receiver drops or challenges (accept.c) closes nothing. */
static bool rst_not_taken(ctx *x)
{
    hs_accept a = (hs_accept)x->res->accept;
    if (a == HS_ACC_CHALLENGE) {
        x->res->label = HS_LBL_RST_CHALLENGED;
        flag_anomaly(x, HS_AN_RST_CHALLENGE);
        return true;
    }
    if (a != HS_ACC_IGNORED)
        return false;
    x->res->label = HS_LBL_RST_IGNORED;
    if (x->peer->kstate != HS_K_CLOSED)           /* a reset socket drops it silently */
        flag_anomaly(x, HS_AN_RST_OUT_OF_WINDOW);
    return true;
}

static void on_rst(ctx *x)
{
    hs_conn *c = x->c;
    hs_label label;
    bool first = !(c->flags & HS_CONN_RESET);
    const hs_side *init = &c->side[HS_INITIATOR], *resp = &c->side[HS_RESPONDER];

    if (x->seg->len)
        flag_anomaly(x, HS_AN_RST_DATA);          /* RFC 9293 section 3.5.3: allowed, rare */
    if (rst_not_taken(x))
        return;
    if (x->role == HS_RESPONDER && (init->flags & HS_SIDE_SYN) && !(resp->flags & HS_SIDE_SYN) &&
        !(c->flags & (HS_CONN_ESTABLISHED | HS_CONN_FLIPPED))) {
        label = HS_LBL_RST_REFUSED;
        c->flags |= HS_CONN_REFUSED;
        x->res->answers = c->last_frame;
        flag_anomaly(x, HS_AN_REFUSED);
        /* A refusal acknowledges the SYN (RST+ACK) or carries seq x+1. */
        check(x, (init->flags & HS_SIDE_ISN) != 0,
              acks(x) ? acks_syn(init, x->seg->ack) : acks_syn(init, x->seg->seq));
    } else if (!(c->flags & HS_CONN_ESTABLISHED)) {
        label = HS_LBL_RST_HANDSHAKE;
    } else if (x->res->flags & HS_RES_NEW) {
        label = HS_LBL_RST;              /* a lone RST: answer to something unseen */
    } else if (conn_over(c)) {
        label = (init->flags & HS_SIDE_FIN) && (resp->flags & HS_SIDE_FIN) && first
                    ? HS_LBL_RST_CLOSED : HS_LBL_RST;
    } else {
        label = HS_LBL_RST_ABORT;
        flag_anomaly(x, HS_AN_RST_ABORT);
    }
    reset_by(x);
    x->res->label = (uint8_t)label;
}

/* New payload beyond the sender's own FIN. */
static void data_after_fin(ctx *x, bool fin_before)
{
    const hs_segment *s = x->seg;
    if (fin_before && s->len && has(x, HS_HAVE_SEQ | HS_HAVE_LEN) &&
        hs_seq_gt(s->seq + s->len, x->me->fin_seq))
        flag_anomaly(x, HS_AN_DATA_AFTER_FIN);
}

/* ---- section 8: what receivers did -------------------------------------- */

/* A reset attempt that goes on: the RST was not taken after all (RFC 5961,
 * PAWS, evasion).  A SYN+ACK, the handshake's ACK, or data from the RST's
 * own sender; not data from its receiver, which may have crossed it. */
static void revive(ctx *x, seg_kind kind)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    if (!(c->flags & (HS_CONN_RESET | HS_CONN_REFUSED)) || kind == KIND_RST || kind == KIND_SYN)
        return;
    bool handshake = (kind == KIND_SYNACK && x->role == HS_RESPONDER) ||
                     (x->role == HS_INITIATOR && !(c->flags & HS_CONN_ESTABLISHED) &&
                      (x->peer->flags & HS_SIDE_SYNACK) && acks(x));
    bool from_resetter = (x->me->flags & HS_SIDE_RST) && s->len;
    if (!handshake && !from_resetter)
        return;
    if (!(c->flags & HS_CONN_REVIVED))
        flag_anomaly(x, HS_AN_REVIVED);
    c->flags = (uint16_t)((c->flags & ~(HS_CONN_RESET | HS_CONN_REFUSED)) | HS_CONN_REVIVED);
    c->side[0].flags &= (uint16_t)~HS_SIDE_RST;
    c->side[1].flags &= (uint16_t)~HS_SIDE_RST;
    x->res->accept = HS_ACC_NONE;
}

/* ACK(challenge): the receiver's answer to an RST or SYN it challenged
 * (RFC 5961: an ACK of what it expects), its next segment if a pure ACK;
 * and the same answer to a new attempt's SYN, seen as an ACK from the
 * responder acknowledging something else than x+1 (half-open discovery,
 * RFC 9293 section 3.5.2). */
static void challenge_ack(ctx *x, seg_kind kind)
{
    hs_conn *c = x->c;
    const hs_segment *s = x->seg;
    hs_side *me = x->me, *peer = x->peer;
    uint32_t challenged = me->challenged;
    me->challenged = 0;
    if (x->res->accept == HS_ACC_CHALLENGE)
        peer->challenged = s->frame;
    if (kind != KIND_PLAIN || s->len || x->res->step[0] || !acks(x))
        return;
    if (!challenged && x->role == HS_RESPONDER && !(me->flags & HS_SIDE_SENT) &&
        (peer->flags & HS_SIDE_SYN) && !(peer->flags & HS_SIDE_ISN_GUESS) && !acks_syn(peer, s->ack)) {
        challenged = c->step_frame[HS_STEP_SYN];
        c->flags |= HS_CONN_CHALLENGED;  /* the SYN met an older connection */
    }
    if (!challenged)
        return;
    x->res->label = HS_LBL_ACK_CHALLENGE;
    x->res->answers = challenged;
}

/* Data before the handshake completed: not the SYN's own (Fast Open), not
 * a Fast Open server's answer to data it accepted, not on a connection seen
 * mid-stream or one already reset, nor where the peer is never seen (a
 * one-way capture hides the handshake's end). */
static void data_before_established(ctx *x, seg_kind kind)
{
    const hs_conn *c = x->c;
    if (!x->seg->len || kind == KIND_SYN || kind == KIND_RST || !(x->peer->flags & HS_SIDE_SENT) ||
        (c->flags & (HS_CONN_ESTABLISHED | HS_CONN_RESET | HS_CONN_REFUSED | HS_CONN_MIDSTREAM)) ||
        (x->role == HS_RESPONDER && (c->flags & HS_CONN_TFO_ACKED)))
        return;
    flag_anomaly(x, HS_AN_DATA_EARLY);
}

/* Retries of the SYN (initiator) and the SYN+ACK (responder): how many,
 * and on each the time since the previous one. */
static void time_syn(ctx *x, seg_kind kind)
{
    hs_side *me = x->me;
    const hs_segment *s = x->seg;
    if (!((kind == KIND_SYN && x->role == HS_INITIATOR) || (kind == KIND_SYNACK && x->role == HS_RESPONDER)))
        return;
    if (me->syn_ns) {
        int64_t us = (s->time_ns - me->syn_ns) / 1000;
        x->res->retry_us = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        if (me->retries < UINT8_MAX)
            me->retries++;
    }
    me->syn_ns = s->time_ns;
}

/* ---- kernel-style states -------------------------------------------------- */

/* After any FIN: by (my FIN sent, my FIN acked, peer FIN sent, peer FIN
 * acked) for the active closer (first FIN, or both in a simultaneous close)
 * and for the passive one.  Impossible rows keep the most plausible state. */
static const uint8_t close_state[2][16] = {
    /* active */
    { HS_K_ESTABLISHED, HS_K_ESTABLISHED, HS_K_CLOSE_WAIT, HS_K_CLOSE_WAIT,
      HS_K_FIN_WAIT2,   HS_K_FIN_WAIT2,   HS_K_TIME_WAIT,  HS_K_TIME_WAIT,
      HS_K_FIN_WAIT1,   HS_K_FIN_WAIT1,   HS_K_CLOSING,    HS_K_CLOSING,
      HS_K_FIN_WAIT2,   HS_K_FIN_WAIT2,   HS_K_TIME_WAIT,  HS_K_TIME_WAIT },
    /* passive */
    { HS_K_ESTABLISHED, HS_K_ESTABLISHED, HS_K_CLOSE_WAIT, HS_K_CLOSE_WAIT,
      HS_K_FIN_WAIT2,   HS_K_FIN_WAIT2,   HS_K_CLOSED,     HS_K_CLOSED,
      HS_K_FIN_WAIT1,   HS_K_FIN_WAIT1,   HS_K_LAST_ACK,   HS_K_LAST_ACK,
      HS_K_FIN_WAIT2,   HS_K_FIN_WAIT2,   HS_K_CLOSED,     HS_K_CLOSED },
};

static hs_kstate open_state(const hs_conn *c, int role)
{
    const hs_side *s = &c->side[role];
    if (c->flags & HS_CONN_ESTABLISHED)
        return HS_K_ESTABLISHED;
    if (s->flags & HS_SIDE_SYNACK)
        return HS_K_SYN_RECV;
    if (s->flags & HS_SIDE_SYN)
        return HS_K_SYN_SENT;
    return role == HS_RESPONDER ? HS_K_LISTEN : HS_K_NONE;
}

static hs_kstate kernel_state(const hs_conn *c, int role)
{
    const hs_side *me = &c->side[role], *peer = &c->side[!role];
    if (c->flags & HS_CONN_RESET)
        return HS_K_CLOSED;
    if (!((me->flags | peer->flags) & HS_SIDE_FIN))
        return open_state(c, role);
    unsigned key = (me->flags & HS_SIDE_FIN ? 8u : 0u) | (me->flags & HS_SIDE_FIN_ACKED ? 4u : 0u) |
                   (peer->flags & HS_SIDE_FIN ? 2u : 0u) | (peer->flags & HS_SIDE_FIN_ACKED ? 1u : 0u);
    bool active = role == c->closer || (c->flags & HS_CONN_SIM_CLOSE);
    return (hs_kstate)close_state[active ? 0 : 1][key];
}

/* ---- the entry point ------------------------------------------------------ */

static void track_seq(hs_side *me, const hs_segment *s)
{
    if ((s->have & (HS_HAVE_SEQ | HS_HAVE_LEN)) != (HS_HAVE_SEQ | HS_HAVE_LEN))
        return;
    uint32_t end = s->seq + s->len + ((s->flags & HS_TH_SYN) ? 1 : 0) + ((s->flags & HS_TH_FIN) ? 1 : 0);
    if (!(me->flags & HS_SIDE_NEXT) || hs_seq_gt(end, me->next_seq))
        me->next_seq = end;
    me->flags |= HS_SIDE_NEXT;
}

const hs_result *hs_engine_add(hs_engine *eng, uint32_t stream, const hs_segment *s)
{
    if (!eng || !s || s->frame == 0 || stream >= HS_MAX_STREAMS)
        return NULL;
    hs_store *st = eng->store;
    if (!hs_store_stream_reserve(st, stream))
        return NULL;
    hs_frame *slot = hs_store_frame(st, s->frame);
    if (!slot)
        return NULL;
    hs_result *res = &eng->cur;
    if (hs_store_load(st, slot, s->frame, res))
        return res;                              /* already analysed: never twice */

    seg_kind kind = classify(s->flags);
    uint32_t current = hs_store_stream_conn(st, stream);
    hs_conn *c = hs_store_conn_touch(st, current, s->frame);
    if (!c && current)
        return NULL;                             /* out of memory unpacking it */
    if (!c && s->tuple && hs_store_tuple_conn(st, s->tuple)) {
        /* A new tcp.stream on a known 4-tuple: Wireshark split it (its
         * rules differ between versions).  Continue the 4-tuple's attempt;
         * the rules below decide whether this segment starts a new one. */
        c = hs_store_conn_touch(st, hs_store_tuple_conn(st, s->tuple), s->frame);
        if (!c)
            return NULL;
        hs_store_set_stream_conn(st, stream, c->id);
    }
    hs_result fresh = {0};
    /* A new attempt: the first segment of the stream, a SYN that does not
     * continue the current attempt, or where Zeek would have timed it out.
     * Such a SYN still meets the current attempt's receiver, if it has a
     * socket: what that does with it is the new attempt's verdict. */
    bool new_syn = kind == KIND_SYN && c && !syn_continues(c, s);
    hs_accept met = new_syn ? syn_met(c, s) : HS_ACC_NONE;
    if (!c || new_syn || hs_zeek_expired(&c->zeek, s->time_ns)) {
        c = start_attempt(eng, stream, c, s, kind, &fresh);
        if (!c)
            return NULL;
        fresh.accept = (uint8_t)met;
        if (met == HS_ACC_CHALLENGE)
            c->flags |= HS_CONN_CHALLENGED;
    }
    *res = fresh;
    res->flags |= HS_RES_DONE;
    res->conn = c->id;
    res->seq = s->seq;
    res->ack = s->ack;

    ctx x = { c, s, res, s->dir == c->init_dir ? HS_INITIATOR : HS_RESPONDER, NULL, NULL };
    x.me = &c->side[x.role];
    x.peer = &c->side[!x.role];
    bool fin_before = x.me->flags & HS_SIDE_FIN;

    /* Before the handlers, which change it: the state the segment meets.
     * An offer counts only until the handshake is done; what the receiver
     * does with a control segment depends on where it stood. */
    hs_nego_segment(c, x.role, s, &res->anomalies);
    if (kind == KIND_RST)
        hs_diag_before(c, x.role, s, res);
    if (!(res->flags & HS_RES_NEW))
        res->accept = (uint8_t)hs_accept_of(c, x.role, s);
    if (kind == KIND_SYN && res->accept == HS_ACC_CHALLENGE)
        flag_anomaly(&x, HS_AN_SYN_IN_CONN);
    revive(&x, kind);
    switch (kind) {
    case KIND_SYN:    on_syn(&x); break;
    case KIND_SYNACK: on_synack(&x); break;
    case KIND_RST:    on_rst(&x); break;
    case KIND_FIN:    if (taken(&x)) acknowledgments(&x);
                      on_fin(&x); break;
    case KIND_PLAIN:  acknowledgments(&x); break;
    default:          /* impossible flag combinations: labelled, no step */
        res->label = (uint8_t)bad_label[kind];
        flag_anomaly(&x, HS_AN_BAD_FLAGS);
        if (kind == KIND_SYN_RST && res->accept == HS_ACC_ACCEPTED)
            reset_by(&x);                /* Linux checks RST before SYN */
        break;
    }
    if (kind == KIND_PLAIN || kind == KIND_FIN)
        data_after_fin(&x, fin_before);
    challenge_ack(&x, kind);
    data_before_established(&x, kind);
    time_syn(&x, kind);
    hs_diag_segment(c, x.role, s, res);
    if (!res->label)
        res->label = (uint8_t)hs_label_of_steps(res->step[0], res->step[1]);
    hs_label_numbers(res, s);

    hs_segment zs = with_hint(c, s);
    hs_zeek_update(&c->zeek, c->packets == 0, &zs);
    if (taken(&x)) {                     /* what the receiver dropped did not reach RCV.NXT */
        track_seq(x.me, s);
        hs_accept_took(x.me, s);
        if (s->len && kind != KIND_RST && has(&x, HS_HAVE_LEN))
            x.me->flags |= HS_SIDE_DATA;
    }
    hs_accept_track(x.me, s);
    x.me->flags |= HS_SIDE_SENT;
    if (x.role == HS_RESPONDER)
        res->flags |= HS_RES_RESPONDER;
    for (int r = 0; r < 2; r++)
        res->kstate[r] = c->side[r].kstate = (uint8_t)kernel_state(c, r);
    c->anomalies |= res->anomalies;
    c->last_frame = s->frame;
    c->last_ns = s->time_ns;
    if (s->time_ns > eng->last_ns)
        eng->last_ns = s->time_ns;
    c->packets++;
    bool stored = hs_store_save(st, slot, res, c, s->frame);
    hs_store_cool(st, s->frame);
    return stored ? res : NULL;
}

/* ---- ICMP errors -------------------------------------------------------- */

const hs_result *hs_engine_icmp(hs_engine *eng, uint32_t stream, const hs_icmp *m)
{
    if (!eng || !m || m->frame == 0 || stream >= HS_MAX_STREAMS)
        return NULL;
    hs_label kind = hs_icmp_kind(m->v6, m->type, m->code);
    hs_store *st = eng->store;
    uint32_t id = kind ? hs_store_stream_conn(st, stream) : 0;
    hs_frame *slot = id ? hs_store_frame(st, m->frame) : NULL;
    if (!slot)
        return NULL;                             /* not an error about a stream seen */
    hs_result *res = &eng->cur;
    if (hs_store_load(st, slot, m->frame, res))
        return res;
    hs_conn *c = hs_store_conn_touch(st, id, m->frame);
    int role = c ? hs_icmp_quoted_role(c, &m->quoted) : -1;
    if (role < 0)
        return NULL;                             /* quotes nothing this attempt sent */
    const hs_side *me = &c->side[role];
    bool syn = (m->quoted.flags & (HS_TH_SYN | HS_TH_ACK)) == HS_TH_SYN;
    *res = (hs_result){
        .conn = c->id, .flags = HS_RES_DONE, .label = (uint8_t)kind,
        .answers = syn ? me->syn_frame : me->last_frame,
        .seq = m->quoted.seq, .ack = m->quoted.ack,
        .anomalies = HS_AN_BIT(HS_AN_ICMP_UNREACHABLE),
        .kstate = { c->side[0].kstate, c->side[1].kstate },
    };
    if (!c->icmp_frame) {
        c->icmp_frame = m->frame;
        c->icmp_type = m->type;
        c->icmp_code = m->code;
        c->icmp_label = (uint8_t)kind;
    }
    if (syn && !(c->flags & HS_CONN_ESTABLISHED))
        c->flags |= HS_CONN_UNREACHABLE;
    c->anomalies |= res->anomalies;
    bool stored = hs_store_save(st, slot, res, c, m->frame);
    hs_store_cool(st, m->frame);
    return stored ? res : NULL;
}
