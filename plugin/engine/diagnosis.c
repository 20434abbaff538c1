/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diagnosis.c - who stopped an attempt (see diagnosis.h).
 *
 * Hop counts.  Every packet a host sends starts with the same TTL (hop
 * limit): 64 for Linux and macOS, 128 for Windows, for SYN+ACKs and RSTs
 * as for data.  So the packets of one side reach the capture point with
 * one hop count, as long as they take one path.  An RST (or a SYN+ACK)
 * arriving with another one was sent by another host: a firewall's or an
 * injector's reset, a SYN proxy.  What misleads it: a route change in
 * the middle of the connection, ECMP paths of different lengths (rare for
 * one flow, which hashes to one path), a load balancer whose members sit
 * at different distances.  An RST from a side that sent nothing before
 * has nothing to be compared with: no evidence, no origin.
 *
 * IPv4 identification.  Many stacks number a connection's packets one by
 * one (Linux, per socket) or from one counter (Windows).  Where a side's
 * last IDs followed each other, an RST whose ID does not follow them came
 * from elsewhere.  ID 0 says nothing (RFC 6864: an atomic datagram's ID
 * has no meaning; Linux sends its socketless RSTs with 0).
 */
#include "diagnosis.h"

/* IPv4 IDs "follow" when the next is 1 to IPID_STEP above the last: a
 * per-host counter moves on between a side's packets.  A random ID lands
 * there by chance 1.6% of the time. */
#define IPID_STEP 1024u
/* Steps in a row that make a side's IDs sequential. */
#define IPID_RUN  2u
/* An RST's ID is evidence only when it is out of IPID_FAR of its sender's
 * last: a host-wide counter (Windows) moves on with other traffic while a
 * connection is quiet.  A random ID still lands out of it 87% of the time. */
#define IPID_FAR  8192u

static bool ipid_follows(uint16_t last, uint16_t id)
{
    uint16_t step = (uint16_t)(id - last);
    return step >= 1 && step <= IPID_STEP;
}

static bool is_rst(const hs_segment *s) { return (s->flags & (HS_TH_RST | HS_TH_SYN)) == HS_TH_RST; }
static bool is_synack(const hs_segment *s)
{
    return (s->flags & (HS_TH_SYN | HS_TH_ACK | HS_TH_RST)) == (HS_TH_SYN | HS_TH_ACK);
}

/* ---- the sender's IP headers -------------------------------------------------- */

/* A side's IDs: one that follows the last extends the run.  One that does
 * not, against a run already sequential, is an odd one out (a packet
 * injected in its name, say) and leaves the run alone, unless the next
 * follows it: then the sender's counter jumped, and the run starts over. */
static void follow_ipid(hs_side *me, uint16_t id)
{
    if (!(me->flags & HS_SIDE_IPID)) {
        me->ipid = id;
        me->ipid_run = 0;
        me->flags |= HS_SIDE_IPID;
    } else if (ipid_follows(me->ipid, id)) {
        me->ipid = id;
        me->ipid_run = (uint8_t)(me->ipid_run < UINT8_MAX ? me->ipid_run + 1 : UINT8_MAX);
        me->ipid_odd = 0;
    } else if (me->ipid_run >= IPID_RUN && !(me->ipid_odd && ipid_follows(me->ipid_odd, id))) {
        me->ipid_odd = id;
    } else {
        bool jumped = me->ipid_odd && ipid_follows(me->ipid_odd, id);
        me->ipid = id;
        me->ipid_run = jumped ? 1 : 0;
        me->ipid_odd = 0;
    }
}

/* A packet other than an RST: widen its side's range of hop counts and
 * follow its IDs. */
static void learn(hs_side *me, const hs_segment *s)
{
    if (s->have & HS_HAVE_TTL) {
        if (!(me->flags & HS_SIDE_TTL)) {
            me->ttl_lo = me->ttl_hi = s->ttl;
            me->flags |= HS_SIDE_TTL;
        } else if (s->ttl < me->ttl_lo) {
            me->ttl_lo = s->ttl;
        } else if (s->ttl > me->ttl_hi) {
            me->ttl_hi = s->ttl;
        }
    }
    if ((s->have & HS_HAVE_IPID) && s->ipid)
        follow_ipid(me, s->ipid);
}

/* Whether the sender still has its connection's socket, whose counter
 * numbers what it sends.  After an accepted RST, or once closed, a side answers from a socketless
 * path (Linux's control socket, a timewait socket) with IDs of its own. */
static bool has_socket(const hs_conn *c, const hs_side *me)
{
    return !(c->flags & HS_CONN_RESET) && me->kstate != HS_K_NONE && me->kstate != HS_K_CLOSED &&
           me->kstate != HS_K_TIME_WAIT && me->kstate != HS_K_FIN_WAIT2;
}

/* An RST against its sender's earlier packets: hs.rst.origin. */
static void rst_origin(const hs_conn *c, const hs_side *me, const hs_segment *s, hs_result *r)
{
    if ((s->have & HS_HAVE_TTL) && (me->flags & HS_SIDE_TTL)) {
        r->evidence |= HS_EVID_TTL_SEEN;
        r->ttl = s->ttl;
        r->ttl_delta = (int16_t)(s->ttl > me->ttl_hi ? s->ttl - me->ttl_hi
                                : s->ttl < me->ttl_lo ? s->ttl - me->ttl_lo : 0);
        if (r->ttl_delta)
            r->evidence |= HS_EVID_TTL;
    }
    if ((s->have & HS_HAVE_IPID) && s->ipid && (me->flags & HS_SIDE_IPID) && me->ipid_run >= IPID_RUN &&
        has_socket(c, me)) {
        uint16_t step = (uint16_t)(s->ipid - me->ipid);
        r->evidence |= HS_EVID_IPID_SEEN;
        r->ipid = s->ipid;
        r->ipid_last = me->ipid;
        if (step < 1 || step > IPID_FAR)
            r->evidence |= HS_EVID_IPID;
    }
    if (r->evidence & (HS_EVID_TTL | HS_EVID_IPID)) {
        r->origin = HS_ORIGIN_MIDDLEBOX;
        r->anomalies |= HS_AN_BIT(HS_AN_RST_INJECTED);
    } else if (r->evidence) {
        r->origin = HS_ORIGIN_PEER;
    }
}

/* The responder's packets after its SYN+ACK: did the same host send them
 * all?  The first with another hop count says a SYN proxy (or a
 * TCP-terminating middlebox) answered the SYN; the proxy's own packets
 * may come first (Linux's SYNPROXY sends the initiator a window update).
 * From there the responder's range of hop counts starts over. */
static void synack_hops(hs_conn *c, hs_side *me, const hs_segment *s, hs_result *r)
{
    if (is_synack(s)) {
        me->syn_frame = s->frame;
        if (s->have & HS_HAVE_TTL) {
            c->synack_ttl = s->ttl;
            c->synack_hops = 1;
        }
        return;
    }
    if (!c->synack_hops || !(s->have & HS_HAVE_TTL) || c->synack_ttl_delta)
        return;                                /* nothing to compare, or decided */
    c->flags |= HS_CONN_SYNACK_TTL;
    c->synack_ttl_delta = (int16_t)(c->synack_ttl - s->ttl);
    if (c->synack_ttl_delta) {
        r->anomalies |= HS_AN_BIT(HS_AN_SYNACK_PROXY);
        me->flags &= (uint16_t)~HS_SIDE_TTL;
    }
}

/* ---- the attempt ----------------------------------------------------------------- */

/* Linux drops the handshake's ACK while the listener's accept queue is
 * full and sends its SYN+ACK again (tcp_abort_on_overflow=1: an RST
 * instead).  Seen from the capture: the responder's SYN+ACK again after
 * the initiator's ACK, or, when it sent nothing since that ACK, its RST
 * without ACK (the listener answering a segment that carries an ACK, at
 * seq y+1; an application's abort sends RST+ACK).  An ACK lost between
 * the capture point and the responder looks the same as the SYN+ACK
 * again (the vantage point says which is likelier). */
static bool listen_overflow(const hs_conn *c, int role, const hs_segment *s, const hs_result *r)
{
    uint32_t ack = c->step_frame[HS_STEP_ACK];
    if (role != HS_RESPONDER || !ack || ack == s->frame || !(c->flags & HS_CONN_ESTABLISHED))
        return false;                          /* no valid handshake ACK to drop */
    if (is_synack(s))
        return (r->flags & HS_RES_RETRANS) != 0;
    return is_rst(s) && !(s->flags & HS_TH_ACK) && c->side[HS_RESPONDER].last_frame < ack;
}

/* SACK blocks name data the peer sent: from its ISN to its highest
 * sequence number.  A middlebox that shifts sequence numbers (an ASA's
 * ISN randomization) and leaves SACK blocks alone puts them anywhere in
 * the 2^32 space.  Allowed: SACK_SLACK past the highest the capture saw
 * (segments it missed); a D-SACK block below the ACK stays above the ISN. */
#define SACK_SLACK (UINT32_C(1) << 24)

static bool sack_out_of_range(const hs_side *peer, const hs_segment *s)
{
    uint16_t need = HS_SIDE_ISN | HS_SIDE_NEXT;
    if ((peer->flags & need) != need || (peer->flags & HS_SIDE_ISN_GUESS))
        return false;
    for (unsigned k = 0; k < s->n_sack && k < HS_SACK_MAX; k++) {
        uint32_t left = s->sack[k][0], right = s->sack[k][1];
        if (hs_seq_lt(left, peer->isn) || hs_seq_gt(right, peer->next_seq + SACK_SLACK) ||
            hs_seq_lt(right, left))
            return true;
    }
    return false;
}

/* The first payload of the initiator once the handshake is done, and the
 * responder's first after it (SPEC section 10's first data and response). */
static void first_payloads(hs_conn *c, int role, const hs_segment *s)
{
    if (!s->len || !(s->have & HS_HAVE_LEN) || is_rst(s) || !c->open_ns)
        return;
    if (role == HS_INITIATOR && !c->data_ns)
        c->data_ns = s->time_ns;
    else if (role == HS_RESPONDER && c->data_ns && !c->response_ns)
        c->response_ns = s->time_ns;
}

void hs_diag_before(const hs_conn *c, int role, const hs_segment *s, hs_result *r)
{
    if (is_rst(s))
        rst_origin(c, &c->side[role], s, r);
}

void hs_diag_segment(hs_conn *c, int role, const hs_segment *s, hs_result *r)
{
    hs_side *me = &c->side[role];
    const hs_side *peer = &c->side[!role];
    if (!is_rst(s)) {
        if (role == HS_RESPONDER)
            synack_hops(c, me, s, r);
        else if ((s->flags & (HS_TH_SYN | HS_TH_ACK)) == HS_TH_SYN)
            me->syn_frame = s->frame;
        learn(me, s);
    }
    if (r->origin == HS_ORIGIN_PEER)
        c->flags |= HS_CONN_RST_PEER;
    /* Only the responder's SYN+ACK or RST can say its queue overflowed. */
    if (role == HS_RESPONDER && (s->flags & (HS_TH_SYN | HS_TH_RST)) && listen_overflow(c, role, s, r))
        r->anomalies |= HS_AN_BIT(HS_AN_LISTEN_OVERFLOW);
    if (s->len) {
        /* The MSS bounds what a receiver takes in one segment; above it the
         * capture saw a segment before its segmentation (offload at the
         * capture host) or a middlebox rewrote the MSS. */
        if ((peer->offer & HS_OPT_MSS) && peer->mss && (s->have & HS_HAVE_LEN) && s->len > peer->mss)
            r->anomalies |= HS_AN_BIT(HS_AN_SEG_OVER_MSS);
        first_payloads(c, role, s);
    }
    if (s->n_sack && sack_out_of_range(peer, s))
        r->anomalies |= HS_AN_BIT(HS_AN_SACK_OUT_OF_RANGE);
    me->last_frame = s->frame;
}

/* ---- ICMP errors ------------------------------------------------------------------ */

hs_label hs_icmp_kind(bool v6, uint8_t type, uint8_t code)
{
    if (!v6) {
        if (type == 11)
            return HS_LBL_ICMP_TIME;
        if (type != 3 || code == 4)            /* 3/4: fragmentation needed, path MTU discovery */
            return HS_LBL_NONE;
        /* 9, 10: network, host administratively prohibited; 13: communication (RFC 1812) */
        return code == 9 || code == 10 || code == 13 ? HS_LBL_ICMP_PROHIBITED : HS_LBL_ICMP_UNREACH;
    }
    if (type == 3)
        return HS_LBL_ICMP_TIME;
    if (type != 1)                             /* 2 is packet too big: path MTU discovery */
        return HS_LBL_NONE;
    /* 1: administratively prohibited; 5, 6: failed policy, reject route (RFC 4443) */
    return code == 1 || code == 5 || code == 6 ? HS_LBL_ICMP_PROHIBITED : HS_LBL_ICMP_UNREACH;
}

/* Whether side `me` sent sequence number seq: from its ISN to what it sent. */
static bool sent_seq(const hs_side *me, uint32_t seq)
{
    if (!(me->flags & HS_SIDE_ISN) || !(me->flags & HS_SIDE_NEXT))
        return false;
    return !hs_seq_lt(seq, me->isn) && !hs_seq_gt(seq, me->next_seq);
}

int hs_icmp_quoted_role(const hs_conn *c, const hs_segment *q)
{
    if (!(q->have & HS_HAVE_SEQ))
        return -1;
    if (q->flags & HS_TH_SYN) {                /* a SYN or SYN+ACK: its side's ISN */
        int role = (q->flags & HS_TH_ACK) ? HS_RESPONDER : HS_INITIATOR;
        const hs_side *me = &c->side[role];
        return (me->flags & HS_SIDE_ISN) && me->isn == q->seq ? role : -1;
    }
    bool init = sent_seq(&c->side[HS_INITIATOR], q->seq), resp = sent_seq(&c->side[HS_RESPONDER], q->seq);
    return init == resp ? -1 : init ? HS_INITIATOR : HS_RESPONDER;
}
