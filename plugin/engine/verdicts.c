/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdicts.c - what an attempt comes to, read off the attempt as it stands
 * (its last segment so far, or the whole capture once it has been read):
 * the anomalies only its end can tell, where the capture was taken, why it
 * ended as it did (SPEC section 10: outcome, close kind).  Pure functions
 * of an hs_conn: the rules (engine.c) build the attempt, these read it.
 */
#include "engine.h"

/* ---- anomalies that need the finished attempt --------------------------------- */

/* An established connection that closed (or was reset) with no payload
 * either way: a probe, a health check, a client that changed its mind. */
static bool data_none(const hs_conn *c)
{
    const hs_side *i = &c->side[HS_INITIATOR], *r = &c->side[HS_RESPONDER];
    bool closed = (c->flags & HS_CONN_RESET) || ((i->flags & HS_SIDE_FIN) && (r->flags & HS_SIDE_FIN));
    return (c->flags & HS_CONN_ESTABLISHED) && !(c->flags & HS_CONN_MIDSTREAM) && closed &&
           !((i->flags | r->flags) & HS_SIDE_DATA);
}

/* The verdicts about the packet `frame` (non-zero) of attempt c. */
static hs_anomalies final_at(const hs_conn *c, uint32_t frame)
{
    hs_anomalies a = 0;
    const hs_side *resp = &c->side[HS_RESPONDER];
    if (frame == c->step_frame[HS_STEP_SYN] && !(resp->flags & HS_SIDE_SENT))
        a |= HS_AN_BIT(HS_AN_SYN_UNANSWERED);
    if (frame == c->step_frame[HS_STEP_SYNACK] && !(c->flags & HS_CONN_ESTABLISHED) &&
        !(c->flags & HS_CONN_SIM_OPEN))
        a |= HS_AN_BIT(HS_AN_HS_INCOMPLETE);
    if (frame == c->step_frame[HS_STEP_FIN1] && c->closer != HS_ROLE_NONE &&
        !(c->side[c->closer].flags & HS_SIDE_FIN_ACKED) && !(c->flags & HS_CONN_RESET))
        a |= HS_AN_BIT(HS_AN_FIN_UNACKED);
    if (frame == c->step_frame[HS_STEP_FIN2] && c->closer != HS_ROLE_NONE &&
        !(c->side[!c->closer].flags & HS_SIDE_FIN_ACKED) && !(c->flags & HS_CONN_RESET))
        a |= HS_AN_BIT(HS_AN_FIN_UNACKED);
    if (frame == c->step_frame[HS_STEP_ACK] && data_none(c))
        a |= HS_AN_BIT(HS_AN_DATA_NONE);      /* on the handshake's ACK: the connection's start */
    return a;
}

/* ---- vantage point ------------------------------------------------------------ */

/* Below this the handshake is host processing, not path: loopback, veth. */
#define VANTAGE_MIN_NS 100000

hs_vantage hs_vantage_of(const hs_conn *c)
{
    const int64_t *t = c->step_ns;
    if (!t[HS_STEP_SYN] || !t[HS_STEP_SYNACK] || !t[HS_STEP_ACK])
        return HS_VANTAGE_NONE;                /* not validated, or retransmitted */
    int64_t syn_leg = t[HS_STEP_SYNACK] - t[HS_STEP_SYN], ack_leg = t[HS_STEP_ACK] - t[HS_STEP_SYNACK];
    int64_t total = syn_leg + ack_leg;
    if (syn_leg < 0 || ack_leg < 0 || total < VANTAGE_MIN_NS)
        return HS_VANTAGE_NONE;
    if (5 * syn_leg >= 4 * total)              /* 80% of the round trip before the SYN+ACK */
        return HS_VANTAGE_INITIATOR;
    if (5 * syn_leg <= total)                  /* 80% after it */
        return HS_VANTAGE_RESPONDER;
    return HS_VANTAGE_BETWEEN;
}

hs_anomalies hs_final_anomalies(const hs_conn *c, const hs_result *r, uint32_t frame)
{
    return c && r && frame ? final_at(c, frame) : 0;
}

hs_anomalies hs_conn_final_anomalies(const hs_conn *c)
{
    static const uint8_t carriers[] = { HS_STEP_SYN, HS_STEP_SYNACK, HS_STEP_ACK, HS_STEP_FIN1, HS_STEP_FIN2 };
    hs_anomalies a = 0;
    for (size_t k = 0; c && k < sizeof carriers; k++)
        if (c->step_frame[carriers[k]])
            a |= final_at(c, c->step_frame[carriers[k]]);
    return a;
}

/* ---- outcome -------------------------------------------------------------------- */

/* Linux retransmits an unanswered SYN after 1 s, then 2, 4 ... (initial RTO
 * 1 s, doubled each time; tcp_syn_retries=6: connect() fails 64 s after the
 * sixth retry).  Whether the next retry, or that failure, was due before
 * `end_ns`. */
#define SYN_RTO_NS   INT64_C(1000000000)
#define SYN_RETRIES  6

static bool next_retry_due(const hs_side *init, int64_t end_ns)
{
    unsigned n = init->retries < SYN_RETRIES ? init->retries : SYN_RETRIES;
    return end_ns - init->syn_ns >= SYN_RTO_NS << n;
}

hs_outcome hs_outcome_of(const hs_conn *c, int64_t end_ns)
{
    const hs_side *init = &c->side[HS_INITIATOR], *resp = &c->side[HS_RESPONDER];
    if (c->flags & HS_CONN_MIDSTREAM)
        return HS_OUT_NO_HANDSHAKE;
    if (c->flags & HS_CONN_ESTABLISHED)
        return HS_OUT_ESTABLISHED;
    if (c->flags & HS_CONN_REFUSED)
        return HS_OUT_REFUSED;
    if (c->flags & HS_CONN_CHALLENGED)
        return HS_OUT_CHALLENGED;
    if (resp->flags & HS_SIDE_SYNACK)
        return (init->flags & HS_SIDE_RST) ? HS_OUT_RESET_BY_INITIATOR : HS_OUT_INCOMPLETE;
    if ((c->flags & HS_CONN_UNREACHABLE) && !(resp->flags & HS_SIDE_SENT))
        return HS_OUT_UNREACHABLE;
    if ((resp->flags & HS_SIDE_SENT) || !(init->flags & HS_SIDE_SYN) || !init->syn_ns)
        return HS_OUT_INCOMPLETE;             /* answered otherwise, or a SYN never seen */
    return next_retry_due(init, end_ns) ? HS_OUT_NO_ANSWER : HS_OUT_TOO_SOON;
}

/* ---- close kind --------------------------------------------------------------- */

hs_close_kind hs_close_kind_of(const hs_conn *c)
{
    const hs_side *i = &c->side[HS_INITIATOR], *r = &c->side[HS_RESPONDER];
    if (!(c->flags & HS_CONN_ESTABLISHED))
        return HS_CK_NONE;
    bool both = (i->flags & HS_SIDE_FIN) && (r->flags & HS_SIDE_FIN);
    bool any = (i->flags | r->flags) & HS_SIDE_FIN;
    if (both && (i->flags & HS_SIDE_FIN_ACKED) && (r->flags & HS_SIDE_FIN_ACKED)) {
        if (c->flags & HS_CONN_SIM_CLOSE)
            return HS_CK_SIMULTANEOUS;
        return c->step_frame[HS_STEP_ACK1] && c->step_frame[HS_STEP_ACK1] == c->step_frame[HS_STEP_FIN2]
                   ? HS_CK_THREE : HS_CK_FOUR;
    }
    if (c->flags & HS_CONN_RESET)             /* an RST instead of the last ACK, after a FIN, or alone */
        return both ? HS_CK_RESET_AFTER_CLOSE : any ? HS_CK_CLOSE_THEN_RESET : HS_CK_ABORT;
    return any ? HS_CK_INCOMPLETE : HS_CK_NEVER;
}
