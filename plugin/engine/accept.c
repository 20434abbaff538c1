/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept.c - acceptability of control segments (see accept.h).
 *
 * The receiver's RCV.NXT lies between the last acknowledgment it sent and
 * the sender's next sequence number (everything the capture saw it send);
 * a segment at either is "exact".  In SYN-RECEIVED it is what its SYN+ACK
 * acknowledged.  Its window's right edge is its last acknowledgment plus
 * its last window.  A receiver never seen sending
 * (a one-way capture) shows no state.  That edge is known only
 * where Wireshark knew the window scale, i.e. where both SYNs were seen;
 * without it the raw window is a lower bound, so "inside" can still be told
 * but not "beyond".
 *
 * Where the RFCs and Linux differ, RFC 9293 is followed, with two Linux
 * extensions a real receiver shows: an RST at RCV.NXT - 1 after the
 * sender's FIN resets (tcp_reset_check()), and a SYN-SENT receiver drops
 * an answer whose acknowledgment does not cover its SYN.  docs/anomalies.md
 * lists the differences.
 */
#include "accept.h"
#include "negotiation.h"

enum pos { POS_UNKNOWN, POS_EXACT, POS_INSIDE, POS_OUTSIDE };

/* Where sequence number seq falls in the receiver's window.  Its RCV.NXT
 * lies between lo, the last acknowledgment it sent, and hi, what the sender
 * sent so far: it is exactly one of them as far as the capture can tell. */
static enum pos window_pos(const hs_conn *c, uint32_t lo, uint32_t hi, const hs_side *recv, uint32_t seq)
{
    if (seq == lo || seq == hi)
        return POS_EXACT;
    if (hs_seq_lt(seq, lo))
        return POS_OUTSIDE;                    /* left of the window: old */
    if (!(recv->flags & HS_SIDE_WIN) || !(recv->flags & HS_SIDE_ACK))
        return POS_UNKNOWN;
    /* RFC 9293 section 3.4: RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND, the
     * right edge being where the receiver's last ACK put it. */
    uint32_t right = recv->ack + recv->win;
    if (hs_seq_lt(seq, right))
        return POS_INSIDE;
    return hs_nego_complete(c) ? POS_OUTSIDE : POS_UNKNOWN;   /* unscaled: a lower bound */
}

/* The left edge: the receiver's last acknowledgment, unless the sender has
 * not even sent that far (then the sender's next sequence number). */
static uint32_t left_edge(const hs_side *sender, const hs_side *recv)
{
    if ((recv->flags & HS_SIDE_ACK) && !hs_seq_gt(recv->ack, sender->next_seq))
        return recv->ack;
    return sender->next_seq;
}

/* RFC 9293 3.10.7.3: in SYN-SENT an answer counts only if it acknowledges
 * the SYN (ISS < SEG.ACK =< SND.NXT, data on the SYN included). */
static bool acks_our_syn(const hs_side *recv, const hs_segment *s)
{
    if (!(s->flags & HS_TH_ACK) || !(s->have & HS_HAVE_ACK) || !(recv->flags & HS_SIDE_ISN))
        return false;
    uint32_t off = s->ack - recv->isn;
    return off >= 1 && off <= 1 + recv->syn_len;
}

static hs_accept in_syn_sent(const hs_side *recv, const hs_segment *s)
{
    if (s->flags & HS_TH_RST)
        return acks_our_syn(recv, s) ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;
    if (s->flags & HS_TH_SYN)       /* a SYN+ACK, or a crossing SYN (simultaneous open) */
        return !(s->flags & HS_TH_ACK) || acks_our_syn(recv, s) ? HS_ACC_ACCEPTED : HS_ACC_IGNORED;
    return HS_ACC_IGNORED;          /* a FIN without SYN nor RST is dropped */
}

/* SYN-RECEIVED (and Linux's request sockets): an RST in the window resets
 * the embryonic connection; a SYN again is its retransmission.  RCV.NXT is
 * what its SYN+ACK acknowledged. */
static hs_accept in_syn_recv(const hs_conn *c, const hs_side *recv, const hs_segment *s)
{
    if (s->flags & HS_TH_SYN)
        return HS_ACC_ACCEPTED;
    if (!(recv->flags & HS_SIDE_ACK))
        return HS_ACC_NONE;
    uint32_t seq = (s->flags & HS_TH_FIN) && !(s->flags & HS_TH_RST) ? s->seq + s->len : s->seq;
    switch (window_pos(c, recv->ack, recv->ack, recv, seq)) {
    case POS_EXACT: case POS_INSIDE: return HS_ACC_ACCEPTED;
    case POS_OUTSIDE:                return HS_ACC_IGNORED;
    default:                         return HS_ACC_NONE;
    }
}

/* Synchronized states: RFC 5961 sections 3.2 and 4.2.  RCV.NXT is the
 * sender's next sequence number: what it sent before, arrived. */
static hs_accept synchronized(const hs_conn *c, const hs_side *sender, const hs_side *recv,
                              const hs_segment *s)
{
    if (s->flags & HS_TH_SYN)
        return HS_ACC_CHALLENGE;    /* whatever its sequence number */
    if (!(sender->flags & HS_SIDE_NEXT))
        return HS_ACC_NONE;
    if (s->flags & HS_TH_RST) {
        if ((sender->flags & HS_SIDE_FIN) && s->seq == sender->fin_seq)
            return HS_ACC_ACCEPTED; /* RCV.NXT - 1 after the sender's FIN (Linux) */
        switch (window_pos(c, left_edge(sender, recv), sender->next_seq, recv, s->seq)) {
        case POS_EXACT:   return HS_ACC_ACCEPTED;
        case POS_INSIDE:  return HS_ACC_CHALLENGE;
        case POS_OUTSIDE: return HS_ACC_IGNORED;
        default:          return HS_ACC_NONE;
        }
    }
    if (sender->flags & HS_SIDE_FIN)
        return HS_ACC_NONE;         /* a retransmitted FIN: its label says so */
    switch (window_pos(c, left_edge(sender, recv), sender->next_seq, recv, s->seq + s->len)) {
    case POS_EXACT: case POS_INSIDE: return HS_ACC_ACCEPTED;
    case POS_OUTSIDE:                return HS_ACC_IGNORED;
    default:                         return HS_ACC_NONE;
    }
}

hs_accept hs_accept_of(const hs_conn *c, int role, const hs_segment *s)
{
    if (!(s->flags & (HS_TH_SYN | HS_TH_FIN | HS_TH_RST)) || !(s->have & HS_HAVE_SEQ))
        return HS_ACC_NONE;
    const hs_side *sender = &c->side[role], *recv = &c->side[!role];
    if (!(recv->flags & HS_SIDE_SENT))
        return HS_ACC_NONE;         /* never seen: its state is a guess, not shown */
    hs_kstate k = (hs_kstate)recv->kstate;
    /* The initiator is synchronized as soon as an acceptable SYN+ACK
     * arrives, before the capture sees its ACK (a FIN right behind the
     * SYN+ACK, say); a SYN+ACK again may be the first that got there. */
    if (k == HS_K_SYN_SENT && role == HS_RESPONDER && !(s->flags & HS_TH_SYN) &&
        (sender->flags & HS_SIDE_SYNACK) &&
        (sender->flags & HS_SIDE_ACK) && (recv->flags & HS_SIDE_ISN) &&
        sender->ack - recv->isn >= 1 && sender->ack - recv->isn <= 1 + recv->syn_len)
        k = HS_K_ESTABLISHED;
    switch (k) {
    case HS_K_SYN_SENT:
        return in_syn_sent(recv, s);
    case HS_K_SYN_RECV:
        return in_syn_recv(c, recv, s);
    case HS_K_ESTABLISHED: case HS_K_FIN_WAIT1: case HS_K_FIN_WAIT2: case HS_K_CLOSING:
    case HS_K_TIME_WAIT: case HS_K_CLOSE_WAIT: case HS_K_LAST_ACK:
        return synchronized(c, sender, recv, s);
    case HS_K_CLOSED:
        /* Reset before: a closed socket drops a RST and answers the rest
         * with one (a SYN starts a new attempt before it gets here).  After
         * a complete close there is no socket left to tell. */
        if (!(c->flags & (HS_CONN_RESET | HS_CONN_REFUSED)) || (s->flags & HS_TH_SYN))
            return HS_ACC_NONE;
        return HS_ACC_IGNORED;
    default:
        return HS_ACC_NONE;         /* LISTEN or unknown: the capture shows nothing */
    }
}

const char *hs_accept_name(hs_accept a)
{
    static const char *const names[HS_ACC_COUNT] = { "", "accepted", "challenge", "ignored" };
    return (unsigned)a < HS_ACC_COUNT ? names[a] : "";
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
