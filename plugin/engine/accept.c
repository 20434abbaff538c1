/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept.c - acceptability of control segments (see accept.h), as Linux
 * decides it, socket kind by socket kind:
 *
 *   SYN-SENT                 tcp_rcv_synsent_state_process()
 *   SYN-RECV, passive open   a request socket: tcp_check_req()
 *   synchronized             a full socket: tcp_validate_incoming(), then
 *                            the ACK check of tcp_rcv_state_process()
 *   TIME_WAIT, FIN_WAIT2     a timewait socket: tcp_timewait_state_process()
 *                            (a FIN_WAIT2 socket is taken as orphaned, the
 *                            usual case after close())
 *
 * What the capture tells of the receiver: RCV.NXT lies between the last
 * acknowledgment it sent (Linux's RCV.WUP, the left edge of its window)
 * and the sender's next sequence number (everything the capture saw it
 * send, arrived); a segment at either is "exact".  The window's right edge
 * is its last acknowledgment plus its last window, known only where
 * Wireshark knew the window scale (both SYNs seen); without it the raw
 * window is a lower bound.  Its SND.NXT is its own next sequence number.
 * Default sysctls are assumed (tcp_rfc1337=0).  PAWS only where timestamp
 * values were read (the options, hs.negotiation); the challenge ACK rate
 * limits and SACK blocks are not modelled.  A receiver
 * never seen sending (a one-way capture) shows no state.  README, "Where
 * the plugin and Linux differ", lists what remains.
 */
#include "accept.h"
#include "negotiation.h"

enum pos { POS_UNKNOWN, POS_EXACT, POS_INSIDE, POS_OUTSIDE };

typedef struct rx {           /* the receiver as the capture shows it */
    const hs_conn    *c;
    const hs_side    *sender, *recv;
    const hs_segment *s;
    hs_kstate         k;
    uint32_t          wup, nxt;  /* RCV.WUP (its last ACK) and the sender's next seq */
    uint32_t          end;       /* SEG.SEQ + SEG.LEN, SYN and FIN counted */
} rx;

static bool has_flag(const rx *x, uint16_t f) { return (x->s->flags & f) != 0; }

static bool acks_known(const hs_segment *s)
{
    return (s->flags & HS_TH_ACK) && (s->have & HS_HAVE_ACK);
}

/* The right edge of the receiver's window, if the capture knows it. */
static bool right_edge(const rx *x, uint32_t *right)
{
    if (!(x->recv->flags & HS_SIDE_WIN) || !(x->recv->flags & HS_SIDE_ACK))
        return false;
    *right = x->recv->ack + x->recv->win;
    return true;
}

/* Linux's tcp_sequence(): the segment overlaps [RCV.WUP, right edge]. */
static enum pos sequence_pos(const rx *x)
{
    uint32_t seq = x->s->seq, right;
    if (seq == x->wup || seq == x->nxt)
        return POS_EXACT;
    if (hs_seq_lt(x->end, x->wup))
        return POS_OUTSIDE;                    /* left of the window: old */
    if (!hs_seq_gt(seq, x->nxt))
        return POS_INSIDE;                     /* between the two candidates */
    if (!right_edge(x, &right))
        return POS_UNKNOWN;
    if (!hs_seq_gt(seq, right))
        return POS_INSIDE;
    return hs_nego_complete(x->c) ? POS_OUTSIDE : POS_UNKNOWN;   /* unscaled: a lower bound */
}

/* PAWS (RFC 7323, tcp_paws_discard()): the segment's timestamp is older
 * than the last one the receiver took from the sender (by more than the
 * one-tick window).  Known only where both were read. */
static bool paws_old(const rx *x)
{
    return (x->s->have & HS_HAVE_TSVAL) && (x->sender->flags & HS_SIDE_TSVAL) &&
           (int32_t)(x->sender->ts_recent - x->s->tsval) > 1;
}

/* ... or newer than it. */
static bool ts_newer(const rx *x)
{
    return (x->s->have & HS_HAVE_TSVAL) && (x->sender->flags & HS_SIDE_TSVAL) &&
           (int32_t)(x->sender->ts_recent - x->s->tsval) < 0;
}

/* tcp_reset_check(): after the sender's FIN, an RST at RCV.NXT - 1 resets
 * in CLOSE_WAIT, LAST_ACK and CLOSING. */
static bool reset_check(const rx *x)
{
    return (x->k == HS_K_CLOSE_WAIT || x->k == HS_K_LAST_ACK || x->k == HS_K_CLOSING) &&
           (x->sender->flags & HS_SIDE_FIN) && x->s->seq == x->sender->fin_seq;
}

/* ---- SYN-SENT: tcp_rcv_synsent_state_process() ------------------------------ */

/* ISS < SEG.ACK =< SND.NXT, data on the SYN included. */
static bool acks_our_syn(const hs_side *recv, const hs_segment *s)
{
    if (!acks_known(s) || !(recv->flags & HS_SIDE_ISN))
        return false;
    uint32_t off = s->ack - recv->isn;
    return off >= 1 && off <= 1 + recv->syn_len;
}

static hs_accept syn_sent(const rx *x)
{
    const hs_segment *s = x->s;
    if (s->flags & HS_TH_ACK)                  /* a bad ACK is answered with an RST */
        return acks_our_syn(x->recv, s) && has_flag(x, HS_TH_RST | HS_TH_SYN)
                   ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;
    /* No ACK: an RST is dropped, a SYN crosses ours (simultaneous open). */
    return has_flag(x, HS_TH_SYN) && !has_flag(x, HS_TH_RST) ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;
}

/* ---- SYN-RECV after a passive open: the request socket, tcp_check_req() ------ */

static hs_accept request_sock(const rx *x)
{
    const hs_segment *s = x->s;
    const hs_side *sender = x->sender, *recv = x->recv;
    if ((s->flags & (HS_TH_SYN | HS_TH_ACK | HS_TH_RST | HS_TH_FIN)) == HS_TH_SYN &&
        (sender->flags & HS_SIDE_ISN) && s->seq == sender->isn)
        return HS_ACC_ACCEPTED;                /* the SYN again: the SYN+ACK again */
    if (!(recv->flags & HS_SIDE_ACK) || !(recv->flags & HS_SIDE_ISN))
        return HS_ACC_NONE;
    if (paws_old(x) && !has_flag(x, HS_TH_RST))
        return HS_ACC_IGNORED;                 /* answered with an ACK, dropped */
    /* RCV.NXT is what its SYN+ACK acknowledged. */
    rx at = *x;
    at.wup = at.nxt = recv->ack;
    enum pos pos = sequence_pos(&at);
    if (pos == POS_UNKNOWN)
        return HS_ACC_NONE;
    if (has_flag(x, HS_TH_RST))                /* whatever it acknowledges (observed on 6.18) */
        return pos == POS_OUTSIDE ? HS_ACC_IGNORED : HS_ACC_ACCEPTED;
    /* An ACK that is not ISN+1 goes to the listener, which answers it with
     * an RST: the request stays. */
    if (acks_known(s) && s->ack != recv->isn + 1)
        return HS_ACC_IGNORED;
    if (pos == POS_OUTSIDE)                    /* answered with an ACK */
        return has_flag(x, HS_TH_SYN) ? HS_ACC_CHALLENGE : HS_ACC_IGNORED;
    if (has_flag(x, HS_TH_SYN))
        return HS_ACC_ACCEPTED;                /* the embryonic connection is reset */
    return has_flag(x, HS_TH_ACK) ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;   /* no ACK: dropped */
}

/* ---- synchronized: the full socket, tcp_validate_incoming() ------------------- */

/* Simultaneous open, since Linux 6.6 (commit 23e89e8ee7be): the SYN+ACK
 * crossing ours in SYN-RECV completes the handshake. */
static bool crossing_synack(const rx *x)
{
    const hs_segment *s = x->s;
    return x->k == HS_K_SYN_RECV && (s->flags & (HS_TH_SYN | HS_TH_ACK)) == (HS_TH_SYN | HS_TH_ACK) &&
           acks_known(s) && (x->recv->flags & HS_SIDE_NEXT) && s->ack == x->recv->next_seq &&
           s->seq + 1 == x->nxt;
}

static hs_accept full_sock(const rx *x)
{
    const hs_segment *s = x->s;
    const hs_side *sender = x->sender, *recv = x->recv;
    bool rst = has_flag(x, HS_TH_RST), syn = has_flag(x, HS_TH_SYN);
    /* PAWS first; RSTs are exempt. */
    if (paws_old(x) && !rst)
        return syn ? HS_ACC_CHALLENGE : HS_ACC_IGNORED;
    /* Step 1, the sequence number (a SYN is challenged wherever it falls). */
    switch (sequence_pos(x)) {
    case POS_OUTSIDE:
        if (rst)
            return reset_check(x) ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;
        return syn ? HS_ACC_CHALLENGE : HS_ACC_IGNORED;
    case POS_UNKNOWN:
        if (rst)
            return reset_check(x) ? HS_ACC_ACCEPTED : HS_ACC_NONE;
        return syn && !crossing_synack(x) ? HS_ACC_CHALLENGE : HS_ACC_NONE;
    default:
        break;
    }
    /* Step 2, RST (before SYN: a SYN+RST resets too); RFC 5961 3.2. */
    if (rst)
        return (s->seq == x->wup || s->seq == x->nxt || reset_check(x)) ? HS_ACC_ACCEPTED : HS_ACC_CHALLENGE;
    /* Step 4, SYN: RFC 5961 4.2, whatever its sequence number. */
    if (syn)
        return crossing_synack(x) ? HS_ACC_ACCEPTED : HS_ACC_CHALLENGE;
    /* Step 5, ACK: without it the segment is dropped; acknowledging data
     * never sent (tcp_ack()), dropped with a challenge ACK. */
    if (!has_flag(x, HS_TH_ACK))
        return HS_ACC_IGNORED;
    if (acks_known(s) && (recv->flags & HS_SIDE_NEXT) && hs_seq_gt(s->ack, recv->next_seq))
        return HS_ACC_CHALLENGE;
    if (sender->flags & HS_SIDE_FIN)
        return HS_ACC_NONE;                    /* a retransmitted FIN: its label says so */
    return HS_ACC_ACCEPTED;
}

/* ---- TIME_WAIT and orphaned FIN_WAIT2: tcp_timewait_state_process() ----------- */

/* tcp_in_window(): at RCV.NXT, or overlapping the window. */
static bool tw_in_window(const rx *x, bool *known)
{
    uint32_t seq = x->s->seq, right;
    *known = true;
    if (seq == x->wup || seq == x->nxt)
        return true;
    if (!right_edge(x, &right)) {
        *known = false;
        return false;
    }
    if (hs_seq_gt(x->end, x->wup) && hs_seq_lt(seq, right))
        return true;
    return seq == right && seq == x->end;
}

static hs_accept fin_wait2(const rx *x)
{
    bool known, in = tw_in_window(x, &known);
    if (paws_old(x) && !has_flag(x, HS_TH_RST))
        return HS_ACC_IGNORED;                 /* a duplicate ACK */
    if (!known)
        return HS_ACC_NONE;
    if (!in)                                   /* answered with an ACK */
        return has_flag(x, HS_TH_RST | HS_TH_SYN) ? HS_ACC_CHALLENGE : HS_ACC_IGNORED;
    if (has_flag(x, HS_TH_RST | HS_TH_SYN))
        return HS_ACC_ACCEPTED;                /* anywhere in the window: the socket is gone */
    if (!has_flag(x, HS_TH_ACK))
        return HS_ACC_IGNORED;
    return HS_ACC_ACCEPTED;                    /* the FIN: TIME_WAIT */
}

static hs_accept time_wait(const rx *x)
{
    const hs_segment *s = x->s;
    bool rst = has_flag(x, HS_TH_RST);
    if (rst && (s->seq == x->wup || s->seq == x->nxt))
        return HS_ACC_ACCEPTED;                /* TIME_WAIT assassination (tcp_rfc1337=0) */
    if (rst)
        return HS_ACC_IGNORED;                 /* silently, no challenge ACK */
    if (!has_flag(x, HS_TH_SYN))
        return HS_ACC_NONE;                    /* a FIN again: its label says so */
    /* A SYN without ACK opens a new connection if its sequence number is
     * above RCV.NXT, or its timestamp newer than the last one, and PAWS
     * does not drop it (a duplicate ACK); else it is answered with an ACK.
     * Where timestamp values were not read, above RCV.NXT counts as new,
     * and below it only a SYN known to carry no timestamp is challenged. */
    if (paws_old(x))
        return HS_ACC_IGNORED;
    if (has_flag(x, HS_TH_ACK))
        return HS_ACC_CHALLENGE;
    if (hs_seq_gt(s->seq, x->nxt) || ts_newer(x))
        return HS_ACC_ACCEPTED;
    if ((s->have & HS_HAVE_TSVAL) && (x->sender->flags & HS_SIDE_TSVAL))
        return HS_ACC_CHALLENGE;               /* not newer: both compared */
    return (s->opts & (HS_OPT_READ | HS_OPT_TS)) == HS_OPT_READ ? HS_ACC_CHALLENGE : HS_ACC_NONE;
}

/* ---- the receiver's socket ------------------------------------------------------ */

/* The initiator is synchronized as soon as an acceptable SYN+ACK arrives,
 * before the capture sees its ACK (a FIN right behind the SYN+ACK, say). */
static hs_kstate receiver_state(const hs_conn *c, int role, const hs_segment *s)
{
    const hs_side *sender = &c->side[role], *recv = &c->side[!role];
    hs_kstate k = (hs_kstate)recv->kstate;
    if (k == HS_K_SYN_SENT && role == HS_RESPONDER && !(s->flags & HS_TH_SYN) &&
        (sender->flags & HS_SIDE_SYNACK) && (sender->flags & HS_SIDE_ACK) && (recv->flags & HS_SIDE_ISN) &&
        sender->ack - recv->isn >= 1 && sender->ack - recv->isn <= 1 + recv->syn_len)
        return HS_K_ESTABLISHED;
    return k;
}

hs_accept hs_accept_of(const hs_conn *c, int role, const hs_segment *s)
{
    if (!(s->flags & (HS_TH_SYN | HS_TH_FIN | HS_TH_RST)) || !(s->have & HS_HAVE_SEQ))
        return HS_ACC_NONE;
    const hs_side *sender = &c->side[role], *recv = &c->side[!role];
    if (!(recv->flags & HS_SIDE_SENT))
        return HS_ACC_NONE;         /* never seen: its state is a guess, not shown */
    rx x = { c, sender, recv, s, receiver_state(c, role, s), 0, 0, 0 };
    x.end = s->seq + ((s->have & HS_HAVE_LEN) ? s->len : 0) + ((s->flags & HS_TH_SYN) ? 1 : 0) +
            ((s->flags & HS_TH_FIN) ? 1 : 0);
    if (x.k == HS_K_SYN_SENT)
        return syn_sent(&x);
    if (x.k == HS_K_SYN_RECV && !(c->flags & HS_CONN_SIM_OPEN))
        return request_sock(&x);
    if (x.k == HS_K_CLOSED)
        /* Reset before: a closed socket drops a RST and answers the rest
         * with one.  After a complete close there is no socket left to tell. */
        return (c->flags & (HS_CONN_RESET | HS_CONN_REFUSED)) && !(s->flags & HS_TH_SYN)
                   ? HS_ACC_IGNORED : HS_ACC_NONE;
    if (x.k < HS_K_SYN_RECV || x.k >= HS_K_CLOSED || !(sender->flags & HS_SIDE_NEXT))
        return HS_ACC_NONE;         /* LISTEN, or RCV.NXT unknown: the capture shows nothing */
    x.nxt = sender->next_seq;
    /* RCV.WUP: its last acknowledgment, unless the sender has not even
     * sent that far (then the sender's next sequence number). */
    x.wup = (recv->flags & HS_SIDE_ACK) && !hs_seq_gt(recv->ack, sender->next_seq) ? recv->ack : x.nxt;
    switch (x.k) {
    case HS_K_TIME_WAIT: return time_wait(&x);
    case HS_K_FIN_WAIT2: return fin_wait2(&x);
    default:             return full_sock(&x);
    }
}

const char *hs_accept_name(hs_accept a)
{
    static const char *const names[HS_ACC_COUNT] = { "", "accepted", "challenge", "ignored" };
    return (unsigned)a < HS_ACC_COUNT ? names[a] : "";
}

void hs_accept_took(hs_side *me, const hs_segment *s)
{
    if (!(s->have & HS_HAVE_TSVAL))
        return;
    if (!(me->flags & HS_SIDE_TSVAL) || (int32_t)(s->tsval - me->ts_recent) >= 0)
        me->ts_recent = s->tsval;
    me->flags |= HS_SIDE_TSVAL;
}

void hs_accept_track(hs_side *me, const hs_segment *s)
{
    if ((s->flags & HS_TH_ACK) && (s->have & HS_HAVE_ACK) && !(s->flags & HS_TH_RST) &&
        (!(me->flags & HS_SIDE_ACK) || hs_seq_gt(s->ack, me->ack))) {
        me->ack = s->ack;
        me->flags |= HS_SIDE_ACK;
    }
    if ((s->have & HS_HAVE_WIN) && !(s->flags & HS_TH_RST)) {
        me->win = s->win;
        me->flags |= HS_SIDE_WIN;
    }
}
