/* SPDX-License-Identifier: GPL-2.0-or-later */
/* negotiation.c - what an opening handshake agreed on (see negotiation.h). */
#include "negotiation.h"

#include <stdarg.h>
#include <stdio.h>

#define AN(a) HS_AN_BIT(a)

/* ---- ECN: RFC 3168 section 6.1.1 and Accurate ECN ------------------------- */

/* An ECN-setup SYN sets CWR and ECE; with AE too it asks for Accurate ECN. */
static bool syn_ecn(uint8_t e)    { return (e & (HS_ECN_CWR | HS_ECN_ECE)) == (HS_ECN_CWR | HS_ECN_ECE); }
static bool syn_accecn(uint8_t e) { return (e & 7) == (HS_ECN_AE | HS_ECN_CWR | HS_ECN_ECE); }

/* A SYN+ACK's (AE, CWR, ECE): 001 is RFC 3168's ECN-setup SYN+ACK; 010, 011,
 * 100 and 110 are Accurate ECN's, echoing the SYN's IP ECN field; 000 is no
 * ECN, and 101 and 111 are nothing a conforming server sends. */
static const hs_ecn_mode synack_ecn[8] = {
    HS_ECN_OFF, HS_ECN_CLASSIC, HS_ECN_ACCECN, HS_ECN_ACCECN,
    HS_ECN_ACCECN, HS_ECN_OFF, HS_ECN_ACCECN, HS_ECN_OFF,
};

static uint8_t ecn_flags(uint16_t f)
{
    return (uint8_t)(HS_ECN_SEEN | ((f & HS_TH_AE) ? HS_ECN_AE : 0) | ((f & HS_TH_CWR) ? HS_ECN_CWR : 0) |
                     ((f & HS_TH_ECE) ? HS_ECN_ECE : 0));
}

hs_ecn_mode hs_nego_ecn(const hs_conn *c)
{
    uint8_t syn = c->side[HS_INITIATOR].ecn, synack = c->side[HS_RESPONDER].ecn;
    if (!hs_nego_complete(c))
        return HS_ECN_UNKNOWN;
    hs_ecn_mode answer = synack_ecn[synack & 7];
    if (!syn_ecn(syn) || (answer == HS_ECN_ACCECN && !syn_accecn(syn)))
        return HS_ECN_OFF;
    return answer;
}

/* ---- offers ---------------------------------------------------------------- */

bool hs_nego_offer_seen(const hs_conn *c, int role) { return c->side[role].ecn & HS_ECN_SEEN; }
bool hs_nego_offer_read(const hs_conn *c, int role) { return c->side[role].offer & HS_OPT_READ; }

bool hs_nego_complete(const hs_conn *c)
{
    return hs_nego_offer_seen(c, HS_INITIATOR) && hs_nego_offer_seen(c, HS_RESPONDER);
}

bool hs_nego_options_read(const hs_conn *c)
{
    return hs_nego_offer_read(c, HS_INITIATOR) && hs_nego_offer_read(c, HS_RESPONDER);
}

bool hs_nego_in_use(const hs_conn *c, uint8_t opt)
{
    return (c->side[HS_INITIATOR].offer & c->side[HS_RESPONDER].offer & opt) != 0;
}

/* The segment is its sender's offer: the initiator's SYN or the responder's
 * SYN+ACK (in a simultaneous open, either side's SYN), the latest one before
 * the handshake completes: the one the peer most likely answered. */
static bool is_offer(const hs_conn *c, int role, const hs_segment *s)
{
    if (!(s->flags & HS_TH_SYN) || (s->flags & (HS_TH_RST | HS_TH_FIN)) || (c->flags & HS_CONN_ESTABLISHED))
        return false;
    if (c->flags & HS_CONN_SIM_OPEN)
        return !(s->flags & HS_TH_ACK) || !hs_nego_offer_seen(c, role);
    return (role == HS_RESPONDER) == ((s->flags & HS_TH_ACK) != 0);
}

static void record_offer(hs_side *me, const hs_segment *s)
{
    me->offer = s->opts;
    me->mss = (s->opts & HS_OPT_MSS) ? s->mss : 0;
    me->wscale = (s->opts & HS_OPT_WS) ? s->wscale : 0;
    me->ecn = ecn_flags(s->flags);
}

/* The responder's SYN+ACK against the initiator's SYN: what it grants
 * must have been asked for (RFC 7323 sections 2.2 and 3.2, RFC 2018
 * section 2, RFC 3168 section 6.1.1), and what it acknowledges says
 * whether the SYN's data was taken (RFC 7413 section 4.2). */
static void answer_offer(hs_conn *c, const hs_segment *s, hs_anomalies *an)
{
    const hs_side *init = &c->side[HS_INITIATOR];
    uint8_t granted = s->opts & (HS_OPT_WS | HS_OPT_SACKP | HS_OPT_TS);
    if ((s->opts & init->offer & HS_OPT_READ) && (granted & ~init->offer))
        *an |= AN(HS_AN_OPT_UNSOLICITED);
    if (!syn_ecn(init->ecn) && synack_ecn[ecn_flags(s->flags) & 7] != HS_ECN_OFF)
        *an |= AN(HS_AN_OPT_ECN_UNSOLICITED);
    if (init->syn_len && (s->flags & HS_TH_ACK) && (s->have & HS_HAVE_ACK)) {
        c->flags &= (uint16_t)~(HS_CONN_TFO_ACKED | HS_CONN_TFO_IGNORED);
        if (s->ack == init->isn + 1 + init->syn_len)
            c->flags |= HS_CONN_TFO_ACKED;
        else if (s->ack == init->isn + 1)
            c->flags |= HS_CONN_TFO_IGNORED;
    }
}

void hs_nego_segment(hs_conn *c, int role, const hs_segment *s, hs_anomalies *an)
{
    bool read = s->opts & HS_OPT_READ;
    if (read && (s->opts & HS_OPT_MSS) && !(s->flags & HS_TH_SYN))
        *an |= AN(HS_AN_OPT_MSS_NON_SYN);
    if (s->flags & HS_TH_SYN) {
        if (read && (s->opts & HS_OPT_WS) && s->wscale > 14)     /* RFC 7323 section 2.3 */
            *an |= AN(HS_AN_OPT_WSCALE_BIG);
        if (!is_offer(c, role, s))
            return;
        if (role == HS_RESPONDER && !(c->flags & HS_CONN_SIM_OPEN) && hs_nego_offer_seen(c, HS_INITIATOR))
            answer_offer(c, s, an);
        record_offer(&c->side[role], s);
        return;
    }
    /* RFC 7323 section 3.2: once both sides sent TSopt, every segment but a
     * RST carries it. */
    if (read && !(s->flags & HS_TH_RST) && hs_nego_options_read(c) && hs_nego_in_use(c, HS_OPT_TS) &&
        !(s->opts & HS_OPT_TS))
        *an |= AN(HS_AN_OPT_TS_MISSING);
}

/* ---- TCP Fast Open (RFC 7413) ---------------------------------------------- */

hs_tfo_mode hs_nego_tfo(const hs_conn *c)
{
    const hs_side *init = &c->side[HS_INITIATOR], *resp = &c->side[HS_RESPONDER];
    /* Data on the SYN: what the SYN+ACK acknowledged says what became of it. */
    if (hs_nego_offer_seen(c, HS_INITIATOR) && init->syn_len && (c->flags & HS_CONN_TFO_ACKED))
        return HS_TFO_DATA_ACCEPTED;
    if (hs_nego_offer_seen(c, HS_INITIATOR) && init->syn_len && (c->flags & HS_CONN_TFO_IGNORED))
        return HS_TFO_DATA_IGNORED;
    if (!hs_nego_offer_read(c, HS_INITIATOR))
        return HS_TFO_UNKNOWN;
    if ((init->offer | (hs_nego_offer_read(c, HS_RESPONDER) ? resp->offer : 0)) & HS_OPT_COOKIE)
        return HS_TFO_COOKIE;
    return (init->offer & HS_OPT_TFO) ? HS_TFO_REQUESTED : HS_TFO_OFF;
}

const char *hs_ecn_name(hs_ecn_mode m)
{
    static const char *const names[] = { "unknown", "off", "ecn", "accecn" };
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "unknown";
}

const char *hs_tfo_name(hs_tfo_mode m)
{
    static const char *const names[HS_TFO_COUNT] = {
        "unknown", "off", "cookie requested", "cookie", "data accepted", "data ignored",
    };
    return (unsigned)m < HS_TFO_COUNT ? names[m] : "unknown";
}

/* ---- the summary ------------------------------------------------------------- */

typedef struct out { char *buf; size_t n, len; } out;   /* len may pass n: snprintf's count */

static void put(out *o, const char *fmt, ...)
{
    size_t at = o->len < o->n ? o->len : o->n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + at, o->n - at, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->len += (size_t)k;
}

/* One side's number as offered: the value, "-" (not offered) or "?" (unknown). */
static const char *offered(const hs_conn *c, int role, uint8_t opt, unsigned v, char *buf, size_t n)
{
    if (!hs_nego_offer_read(c, role))
        return "?";
    if (!(c->side[role].offer & opt))
        return "-";
    snprintf(buf, n, "%u", v);
    return buf;
}

/* "SACK", "SACK off", "SACK off (initiator only)" or "SACK ?". */
static void put_flag(out *o, const hs_conn *c, const char *name, uint8_t opt)
{
    if (!hs_nego_options_read(c)) {
        put(o, ", %s ?", name);
        return;
    }
    bool i = c->side[HS_INITIATOR].offer & opt, r = c->side[HS_RESPONDER].offer & opt;
    put(o, i && r ? ", %s" : i ? ", %s off (initiator only)" : r ? ", %s off (responder only)" : ", %s off", name);
}

static void put_options(out *o, const hs_conn *c)
{
    char a[8], b[8];
    const hs_side *i = &c->side[HS_INITIATOR], *r = &c->side[HS_RESPONDER];
    put(o, "MSS %s/%s", offered(c, HS_INITIATOR, HS_OPT_MSS, i->mss, a, sizeof a),
        offered(c, HS_RESPONDER, HS_OPT_MSS, r->mss, b, sizeof b));
    const char *wi = offered(c, HS_INITIATOR, HS_OPT_WS, i->wscale, a, sizeof a);
    const char *wr = offered(c, HS_RESPONDER, HS_OPT_WS, r->wscale, b, sizeof b);
    if (!hs_nego_options_read(c) || hs_nego_in_use(c, HS_OPT_WS))
        put(o, ", WS %s/%s", wi, wr);
    else if ((i->offer | r->offer) & HS_OPT_WS)
        put(o, ", WS off (%s/%s)", wi, wr);
    else
        put(o, ", WS off");
    put_flag(o, c, "SACK", HS_OPT_SACKP);
    put_flag(o, c, "TS", HS_OPT_TS);
}

int hs_nego_summary(const hs_conn *c, char *buf, size_t n)
{
    out o = { buf, n, 0 };
    static const char *const ecn_text[] = { "ECN ?", "ECN off", "ECN", "AccECN" };
    if (n)
        buf[0] = '\0';
    bool read = hs_nego_offer_read(c, HS_INITIATOR) || hs_nego_offer_read(c, HS_RESPONDER);
    if (read) {
        put_options(&o, c);
        put(&o, ", ");
    }
    put(&o, "%s", ecn_text[hs_nego_ecn(c)]);
    hs_tfo_mode tfo = hs_nego_tfo(c);
    if (tfo != HS_TFO_OFF && tfo != HS_TFO_UNKNOWN)
        put(&o, ", TFO %s", hs_tfo_name(tfo));
    if (hs_nego_complete(c) && ((c->side[0].offer | c->side[1].offer) & HS_OPT_MPC)) {
        bool i = c->side[HS_INITIATOR].offer & HS_OPT_MPC, r = c->side[HS_RESPONDER].offer & HS_OPT_MPC;
        put(&o, i && r ? ", MPTCP" : i ? ", MPTCP off (initiator only)" : ", MPTCP off (responder only)");
    }
    if (!read)
        put(&o, "; options not analysed");
    return (int)o.len;
}
