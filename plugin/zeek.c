/* SPDX-License-Identifier: GPL-2.0-or-later */
/* zeek.c - Zeek-compatible endpoint states, history and conn_state. */
#include "zeek.h"

#include <string.h>

static const char *const conn_state_names[HS_CS_COUNT] = {
    "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

static const char *const kstate_names[HS_K_COUNT] = {
    "NONE", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
    "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSED",
};

const char *hs_conn_state_name(hs_conn_state s)
{
    return (unsigned)s < HS_CS_COUNT ? conn_state_names[s] : "OTH";
}

const char *hs_kstate_name(hs_kstate s)
{
    return (unsigned)s < HS_K_COUNT ? kstate_names[s] : "NONE";
}

const char *hs_role_name(enum hs_role r)
{
    return r == HS_INITIATOR ? "initiator" : r == HS_RESPONDER ? "responder" : "none";
}

/* ---- history ------------------------------------------------------------ */

enum { H_SYN = 0x01, H_FIN = 0x02, H_RST = 0x04, H_ACK = 0x08, H_DATA = 0x10,
       H_MULTI = 0x20, H_FINRST = 0x40, H_RXMIT = 0x80 };
enum { LAST_S, LAST_F, LAST_R };   /* index in hs_side.hist_seq */

static void add_letter(hs_conn *c, int role, char code)
{
    if (c->hist_len >= HS_HISTORY_MAX)
        return;
    c->history[c->hist_len++] = role == HS_INITIATOR ? code : (char)(code - 'A' + 'a');
    c->history[c->hist_len] = '\0';
}

/* Zeek's CheckHistory: the first time a kind is seen, record its letter. */
static bool seen_before(hs_conn *c, int role, uint16_t bit, char code)
{
    hs_side *s = &c->side[role];
    if (s->hist_once & bit)
        return true;
    s->hist_once |= bit;
    add_letter(c, role, code);
    return false;
}

/* S, H, F and R repeat only when their sequence number changed. */
static void repeat_letter(hs_conn *c, int role, uint16_t bit, int slot, char code, uint32_t seq)
{
    hs_side *s = &c->side[role];
    if (seen_before(c, role, bit, code) && s->hist_seq[slot] != seq)
        add_letter(c, role, code);
    s->hist_seq[slot] = seq;
}

/* Zeek's scaled entries (T, ...): a letter at 1, 10, 100 ... events. */
static void scaled_letter(hs_conn *c, int role, uint32_t *count, char code)
{
    uint32_t n = ++*count;
    while (n % 10 == 0)
        n /= 10;
    if (n == 1)
        add_letter(c, role, code);
}

static void update_history(hs_conn *c, int role, const hs_segment *s)
{
    uint16_t f = s->flags;
    int bits = !!(f & HS_TH_SYN) + !!(f & HS_TH_FIN) + !!(f & HS_TH_RST);
    hs_side *me = &c->side[role];

    if (bits > 1) {
        if ((f & HS_TH_FIN) && (f & HS_TH_RST))
            seen_before(c, role, H_FINRST, 'I');
        else
            seen_before(c, role, H_MULTI, 'Q');
    } else if (f & HS_TH_SYN) {
        repeat_letter(c, role, H_SYN, LAST_S, (f & HS_TH_ACK) ? 'H' : 'S', s->seq);
    } else if (f & HS_TH_FIN) {
        repeat_letter(c, role, H_FIN, LAST_F, 'F', s->seq + s->len);
    } else if (f & HS_TH_RST) {
        repeat_letter(c, role, H_RST, LAST_R, 'R', s->seq);
    } else if (s->len) {
        seen_before(c, role, H_DATA, 'D');
    } else if (f & HS_TH_ACK) {
        seen_before(c, role, H_ACK, 'A');
    }
    /* Retransmitted payload: data that starts before what was already sent. */
    if (s->len && !(f & HS_TH_SYN) && (me->flags & HS_SIDE_NEXT) && (s->have & HS_HAVE_SEQ) &&
        hs_seq_lt(s->seq, me->next_seq))
        scaled_letter(c, role, &me->retrans, 'T');
}

/* ---- endpoint states ------------------------------------------------------- */

static void update_states(hs_conn *c, int role, const hs_segment *s)
{
    hs_side *me = &c->side[role], *peer = &c->side[!role];
    uint16_t f = s->flags;

    if (f & HS_TH_RST) {
        me->zstate = HS_Z_RESET;
        return;
    }
    if (f & HS_TH_FIN) {
        me->zstate = HS_Z_CLOSED;
        return;
    }
    if (f & HS_TH_SYN) {
        if (me->zstate == HS_Z_INACTIVE)
            me->zstate = (f & HS_TH_ACK) ? HS_Z_SYN_ACK_SENT : HS_Z_SYN_SENT;
        if ((f & HS_TH_ACK) && peer->zstate == HS_Z_SYN_SENT && role == HS_RESPONDER) {
            /* the answer to a SYN: both sides move on when it is acked */
        }
        return;
    }
    if (me->zstate == HS_Z_INACTIVE) {
        me->zstate = HS_Z_PARTIAL;
        return;
    }
    if ((f & HS_TH_ACK) && (me->zstate == HS_Z_SYN_SENT || me->zstate == HS_Z_SYN_ACK_SENT) &&
        peer->zstate == HS_Z_SYN_ACK_SENT) {
        me->zstate = HS_Z_ESTABLISHED;
        peer->zstate = HS_Z_ESTABLISHED;
    }
}

void hs_zeek_update(hs_conn *c, int role, const hs_segment *s)
{
    if ((c->flags & HS_CONN_FLIPPED) && c->hist_len == 0)
        add_letter(c, HS_INITIATOR, '^');
    update_history(c, role, s);
    update_states(c, role, s);
}

/* ---- conn_state ------------------------------------------------------------- */

/* Zeek's RSTOS0 test: history matches ^?S[^HAFGIQ]*R */
static bool rstos0_history(const hs_conn *c)
{
    const char *h = c->history;
    if (*h == '^')
        h++;
    if (*h != 'S')
        return false;
    for (h++; *h; h++) {
        if (*h == 'R')
            return true;
        if (strchr("HAFGIQ", *h))
            return false;
    }
    return false;
}

hs_conn_state hs_conn_state_of(const hs_conn *c)
{
    hs_zstate o = (hs_zstate)c->side[HS_INITIATOR].zstate;
    hs_zstate r = (hs_zstate)c->side[HS_RESPONDER].zstate;

    if (r == HS_Z_RESET) {
        if (o == HS_Z_SYN_SENT || o == HS_Z_SYN_ACK_SENT)
            return HS_CS_REJ;
        return o == HS_Z_INACTIVE ? HS_CS_RSTRH : HS_CS_RSTR;
    }
    if (o == HS_Z_RESET) {
        if (r == HS_Z_INACTIVE)
            return rstos0_history(c) ? HS_CS_RSTOS0 : HS_CS_OTH;
        return HS_CS_RSTO;
    }
    if (o == HS_Z_CLOSED && r == HS_Z_CLOSED)
        return HS_CS_SF;
    if (o == HS_Z_CLOSED)
        return r == HS_Z_INACTIVE ? HS_CS_SH : HS_CS_S2;
    if (r == HS_Z_CLOSED)
        return o == HS_Z_INACTIVE ? HS_CS_SHR : HS_CS_S3;
    if (o == HS_Z_SYN_SENT && r == HS_Z_INACTIVE)
        return HS_CS_S0;
    if (o == HS_Z_ESTABLISHED && r == HS_Z_ESTABLISHED)
        return HS_CS_S1;
    return HS_CS_OTH;
}
