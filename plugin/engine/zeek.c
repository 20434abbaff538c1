/* SPDX-License-Identifier: GPL-2.0-or-later */
/* zeek.c - Zeek-compatible endpoint states, history and conn_state. */
#include "zeek.h"

#include <string.h>

/* ---- history (docs/zeek-rules.md section 5) ------------------------------- */

enum { H_SYN = 0x01, H_FIN = 0x02, H_RST = 0x04, H_FINRST = 0x08, H_DATA = 0x10,
       H_ACK = 0x20, H_MULTI = 0x40 };
enum { LAST_SYN, LAST_FIN, LAST_RST };

static bool is_orig(const hs_zeek *z, int dir) { return dir == z->orig_dir; }

static void add_letter(hs_zeek *z, int dir, char code)
{
    if (z->hist_len >= HS_HISTORY_MAX)
        return;                              /* long histories are cut, never overrun */
    bool lower = code >= 'A' && code <= 'Z' && !is_orig(z, dir);
    z->history[z->hist_len++] = lower ? (char)(code - 'A' + 'a') : code;
    z->history[z->hist_len] = '\0';
}

static void flip_roles(hs_zeek *z)
{
    z->orig_dir = (uint8_t)!z->orig_dir;
    if (z->hist_len < HS_HISTORY_MAX) {
        z->history[z->hist_len++] = '^';
        z->history[z->hist_len] = '\0';
    }
}

/* Zeek's CheckHistory: the first time a kind is seen from the sender's
 * current role, record its letter.  The mask is by role and is not
 * swapped by a flip (a Zeek quirk kept on purpose). */
static bool seen_before(hs_zeek *z, int dir, uint16_t bit, char code)
{
    uint16_t mask = is_orig(z, dir) ? bit : (uint16_t)(bit << 8);
    if (z->hist_seen & mask)
        return true;
    z->hist_seen |= mask;
    add_letter(z, dir, code);
    return false;
}

/* S/H, F and R repeat only when their (relative) sequence number changed. */
static void repeat_letter(hs_zeek *z, int dir, uint16_t bit, int slot, char code, uint32_t key)
{
    hs_zeek_end *e = &z->end[dir];
    if (seen_before(z, dir, bit, code) && e->hist_last[slot] != key)
        add_letter(z, dir, code);
    e->hist_last[slot] = key;
}

/* Before an A or D: a history of exactly "H" means the SYN+ACK's sender was
 * taken for the originator; Zeek (5.1+) flips and rewrites it to "^h". */
static void second_packet_flip(hs_zeek *z)
{
    if (z->hist_len == 1 && z->history[0] == 'H') {
        z->orig_dir = (uint8_t)!z->orig_dir;
        memcpy(z->history, "^h", 3);
        z->hist_len = 2;
    }
}

static void update_history(hs_zeek *z, int dir, const hs_segment *s, uint32_t rel_seq)
{
    uint16_t f = s->flags;
    int bits = !!(f & HS_TH_SYN) + !!(f & HS_TH_FIN) + !!(f & HS_TH_RST);

    if (bits > 1) {
        if ((f & HS_TH_FIN) && (f & HS_TH_RST))
            seen_before(z, dir, H_FINRST, 'I');
        else
            seen_before(z, dir, H_MULTI, 'Q');
    } else if (f & HS_TH_SYN) {
        repeat_letter(z, dir, H_SYN, LAST_SYN, (f & HS_TH_ACK) ? 'H' : 'S', rel_seq);
    } else if (f & HS_TH_FIN) {
        repeat_letter(z, dir, H_FIN, LAST_FIN, 'F', rel_seq + s->len);
    } else if (f & HS_TH_RST) {
        repeat_letter(z, dir, H_RST, LAST_RST, 'R', rel_seq);
    } else if (s->len) {
        second_packet_flip(z);
        seen_before(z, dir, H_DATA, 'D');
    } else if (f & HS_TH_ACK) {
        second_packet_flip(z);
        seen_before(z, dir, H_ACK, 'A');
    }
}

/* ---- sequence bookkeeping (init_endpoint, update_last_seq) ------------------- */

static uint32_t seg_len(const hs_segment *s)
{
    uint32_t n = (s->flags & HS_TH_RST) ? 0 : s->len;
    return n + !!(s->flags & HS_TH_SYN) + !!(s->flags & HS_TH_FIN);
}

/* Zeek's start, ack and last sequence numbers of an endpoint, together. */
static void base_at(hs_zeek_end *e, uint32_t start, uint32_t last)
{
    e->start = e->ack_seq = start;
    e->last_seq = last;
}

static void init_endpoint(hs_zeek_end *e, const hs_segment *s)
{
    bool syn = s->flags & HS_TH_SYN;
    bool rebase;
    switch ((hs_zstate)e->state) {
    case HS_Z_INACTIVE:
        if (!syn) {
            base_at(e, s->seq - 1, s->seq); /* the first byte is relative 1 */
            return;
        }
        rebase = true;
        break;
    case HS_Z_SYN_SENT: case HS_Z_SYN_ACK_SENT: rebase = syn && s->seq != e->start; break;
    case HS_Z_ESTABLISHED: case HS_Z_PARTIAL:   rebase = syn; break;
    case HS_Z_RESET:  rebase = syn && e->prev_state == HS_Z_INACTIVE; break;
    default:          rebase = false; break;
    }
    if (rebase)
        base_at(e, s->seq, s->seq + seg_len(s));
}

/* One past the highest sequence number seen grows; crossing 2^32 counts a
 * wrap (UpdateLastSeq), for connections beyond 4 GiB. */
static void advance_last_seq(hs_zeek_end *e, uint32_t end)
{
    if (end < e->last_seq)
        e->seq_wraps++;
    e->last_seq = end;
}

/* Whether an acknowledgment lies before the peer's start (Zeek's
 * get_relative_seq underflow), with the wrap it may have crossed. */
static bool ack_underflows(const hs_zeek_end *p, uint32_t ack)
{
    int32_t d = (int32_t)(ack - p->ack_seq);
    unsigned wraps = p->ack_wraps;
    if (d < 0 && wraps && ack > p->ack_seq)
        wraps--;
    else if (d > 0 && ack < p->ack_seq)
        wraps++;
    return wraps == 0 && (int32_t)(ack - p->start) < 0;
}

/* An acknowledgment from `dir` moves its peer's ack_seq (init_peer,
 * update_ack_seq): Zeek counts acknowledged bytes it never saw as sent. */
static void ack_received(hs_zeek *z, int dir, const hs_segment *s)
{
    hs_zeek_end *p = &z->end[!dir];
    uint32_t ack = s->ack;
    if (!(s->flags & HS_TH_ACK) || !(s->have & HS_HAVE_ACK))
        return;
    if (p->state == HS_Z_INACTIVE) {
        base_at(p, ack - 1, ack - 1);       /* as though it had sent a SYN */
        return;
    }
    if (ack_underflows(p, ack) || (s->flags & HS_TH_RST))
        return;                             /* Zeek trusts no ack on a RST */
    int32_t d = (int32_t)(ack - p->ack_seq);
    if (ack == 0 && d > 1048576)
        return;                             /* a broken ack, not a wrap onto 0 */
    if (d > 0) {
        if (ack < p->ack_seq)
            p->ack_wraps++;
        p->ack_seq = ack;
    }
}

/* Zeek's scaled entries: a letter at the 1st, 10th, 100th ... event. */
static void scaled_letter(hs_zeek *z, int dir, uint32_t *count, uint32_t *next, char code)
{
    if (!*next)
        *next = 1;
    if (++*count == *next) {
        add_letter(z, dir, code);
        *next = *next > UINT32_MAX / 10 ? UINT32_MAX : *next * 10;
    }
}

/* T: payload that does not reach past what the sender already sent. */
static void update_last_seq(hs_zeek *z, int dir, const hs_segment *s, hs_zstate before)
{
    hs_zeek_end *e = &z->end[dir];
    uint32_t end = s->seq + seg_len(s);
    int32_t d = (int32_t)(end - e->last_seq);
    uint32_t mag = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;

    if ((s->flags & (HS_TH_SYN | HS_TH_RST)) && mag > 1048576)
        return;
    if ((s->flags & HS_TH_FIN) && e->last_seq == e->start + 1)
        advance_last_seq(e, end);
    else if (before == HS_Z_RESET)
        return;
    else if (d > 0)
        advance_last_seq(e, end);
    else if (s->len)
        scaled_letter(z, dir, &e->rxmit, &e->rxmit_next, 'T');
}

/* ---- endpoint state machine (section 3) ---------------------------------------- */

static void set_state(hs_zeek_end *e, hs_zstate st)
{
    if (e->state != st) {
        e->prev_state = e->state;
        e->state = (uint8_t)st;
    }
}

static void from_inactive(hs_zeek *z, int dir, uint16_t f, uint32_t len)
{
    hs_zeek_end *e = &z->end[dir], *p = &z->end[!dir];
    if (f & HS_TH_SYN) {
        if (is_orig(z, dir)) {
            set_state(e, (f & HS_TH_ACK) ? HS_Z_SYN_ACK_SENT : HS_Z_SYN_SENT);
        } else if (!(f & HS_TH_ACK) && p->state == HS_Z_SYN_ACK_SENT) {
            flip_roles(z);                 /* SYN/SYN-ACK reversal */
            set_state(e, HS_Z_ESTABLISHED);
            set_state(p, HS_Z_ESTABLISHED);
        } else {                           /* SYN+ACK answer, or simultaneous open */
            set_state(e, HS_Z_ESTABLISHED);
            if (p->state == HS_Z_SYN_SENT)
                set_state(p, HS_Z_ESTABLISHED);
        }
    }
    if (f & HS_TH_FIN)
        set_state(e, HS_Z_CLOSED);
    if (f & HS_TH_RST)
        set_state(e, HS_Z_RESET);
    if (f & (HS_TH_SYN | HS_TH_FIN | HS_TH_RST))
        return;
    if (!is_orig(z, dir) && len == 0 && p->state == HS_Z_SYN_SENT)
        return;                            /* an ACK before the SYN-ACK is ignored */
    set_state(e, (f & HS_TH_ACK) && p->state == HS_Z_ESTABLISHED ? HS_Z_ESTABLISHED : HS_Z_PARTIAL);
}

static void update_state(hs_zeek *z, int dir, uint16_t f, uint32_t len)
{
    hs_zeek_end *e = &z->end[dir], *p = &z->end[!dir];
    switch ((hs_zstate)e->state) {
    case HS_Z_INACTIVE:
        from_inactive(z, dir, f, len);
        break;
    case HS_Z_SYN_SENT:
    case HS_Z_SYN_ACK_SENT:
        if (f & HS_TH_FIN)
            set_state(e, HS_Z_CLOSED);
        if (f & HS_TH_RST)
            set_state(e, HS_Z_RESET);
        break;
    case HS_Z_ESTABLISHED:
    case HS_Z_PARTIAL:
        if ((f & (HS_TH_SYN | HS_TH_ACK)) == HS_TH_SYN && e->state == HS_Z_PARTIAL &&
            p->state == HS_Z_INACTIVE)
            set_state(e, HS_Z_SYN_SENT);
        if ((f & HS_TH_RST))
            set_state(e, HS_Z_RESET);
        else if (f & HS_TH_FIN) {
            set_state(e, HS_Z_CLOSED);
            if (p->state == HS_Z_RESET && p->prev_state == HS_Z_CLOSED)
                set_state(p, HS_Z_CLOSED);
        }
        break;
    case HS_Z_CLOSED:
        if ((f & HS_TH_RST) && p->state != HS_Z_CLOSED)
            set_state(e, HS_Z_RESET);
        break;
    default:                               /* RESET: nothing changes any more */
        break;
    }
}

/* Zeek's port heuristic for a connection that does not start with a SYN. */
static bool creation_flip(const hs_segment *s)
{
    bool no_syn = !(s->flags & HS_TH_SYN);
    if (!no_syn && !(s->flags & HS_TH_ACK))
        return false;                      /* a pure SYN names the originator */
    if (!(s->hint & HS_HINT_SPORT_SERVER))
        return false;
    if (s->hint & HS_HINT_DPORT_SERVER)
        return no_syn && (s->hint & HS_HINT_SPORT_LOWER);
    return true;
}

bool hs_zeek_flips_first(const hs_segment *s)
{
    return creation_flip(s);
}

/* ---- timers (section 7) ------------------------------------------------------------ */

#define SEC INT64_C(1000000000)
#define TCP_ATTEMPT_DELAY   (5 * SEC)
#define TCP_CLOSE_DELAY     (5 * SEC)
#define TCP_LINGER          (5 * SEC)
#define HANDSHAKE_INACTIVITY (60 * SEC)   /* udp_inactivity_timeout, used during the handshake */
#define TCP_INACTIVITY      (300 * SEC)

/* Times come from the capture file: saturate rather than overflow. */
static int64_t add_ns(int64_t t, int64_t d)
{
    return t > INT64_MAX - d ? INT64_MAX : t + d;
}

static int64_t elapsed_ns(int64_t now, int64_t then)
{
    if (then < 0 && now > INT64_MAX + then)
        return INT64_MAX;
    if (then > 0 && now < INT64_MIN + then)
        return INT64_MIN;
    return now - then;
}

static bool handshaking(hs_zstate s)
{
    return s == HS_Z_INACTIVE || s == HS_Z_SYN_SENT || s == HS_Z_SYN_ACK_SENT;
}

bool hs_zeek_expired(hs_zeek *z, int64_t now)
{
    const hs_zeek_end *o = &z->end[z->orig_dir], *r = &z->end[!z->orig_dir];
    if (z->close_at && now >= z->close_at)
        return true;
    if (z->attempt_at && now >= z->attempt_at) {
        z->attempt_at = 0;                 /* fires once, on the state it finds */
        if ((o->state == HS_Z_SYN_SENT || o->state == HS_Z_SYN_ACK_SENT) && r->state == HS_Z_INACTIVE)
            return true;
    }
    bool hs = handshaking((hs_zstate)o->state) && handshaking((hs_zstate)r->state);
    int64_t idle = elapsed_ns(now, z->last_ns);
    if (idle >= (hs ? HANDSHAKE_INACTIVITY : TCP_INACTIVITY))
        return true;
    /* ExpireTimer: a half-closed connection whose other side is gone too. */
    bool any_reset = o->state == HS_Z_RESET || r->state == HS_Z_RESET;
    bool any_inactive = o->state == HS_Z_INACTIVE || r->state == HS_Z_INACTIVE;
    bool both_closed = o->state == HS_Z_CLOSED && r->state == HS_Z_CLOSED;
    return z->did_close && (both_closed || any_reset || any_inactive) && idle > TCP_LINGER;
}

/* ConnectionClosed: a FIN or RST closed `dir`; a complete close schedules
 * the connection's deletion. */
static void closed(hs_zeek *z, int dir, int64_t now)
{
    const hs_zeek_end *e = &z->end[dir], *p = &z->end[!dir];
    if (z->did_close & (1u << dir))
        return;
    z->did_close |= (uint8_t)(1u << dir);
    if (e->state == HS_Z_RESET || (z->did_close & (1u << !dir)) || p->state == HS_Z_INACTIVE)
        z->close_at = add_ns(now, TCP_CLOSE_DELAY);
}

void hs_zeek_update(hs_zeek *z, bool first, const hs_segment *s)
{
    int dir = s->dir;
    if (first) {
        z->orig_dir = (uint8_t)dir;
        if (creation_flip(s))
            flip_roles(z);
    }
    hs_zeek_end *e = &z->end[dir];
    hs_zstate before = (hs_zstate)e->state;
    init_endpoint(e, s);
    update_history(z, dir, s, s->seq - e->start);
    if (z->did_close != 3)
        z->last_ns = s->time_ns;
    if (s->flags & HS_TH_FIN)
        e->flags |= HS_ZEND_FIN;
    ack_received(z, dir, s);
    update_last_seq(z, dir, s, before);
    update_state(z, dir, s->flags, s->len);
    if (before == HS_Z_INACTIVE && dir == z->orig_dir &&
        (e->state == HS_Z_SYN_SENT || e->state == HS_Z_SYN_ACK_SENT))
        z->attempt_at = add_ns(s->time_ns, TCP_ATTEMPT_DELAY);
    if (e->state != before && (e->state == HS_Z_CLOSED || e->state == HS_Z_RESET))
        closed(z, dir, s->time_ns);
}

/* ---- conn_state (section 6) ------------------------------------------------------- */

/* ^\^?S[^HAFGIQ]*R, anchored at the start, case-sensitive. */
static bool rstos0_history(const char *h)
{
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

static bool inactive(hs_zstate s) { return s == HS_Z_INACTIVE || s == HS_Z_PARTIAL; }

hs_conn_state hs_conn_state_of(const hs_conn *c)
{
    const hs_zeek *z = &c->zeek;
    const hs_zeek_end *oe = &z->end[z->orig_dir], *re = &z->end[!z->orig_dir];
    hs_zstate os = (hs_zstate)oe->state, rs = (hs_zstate)re->state;

    if (rs == HS_Z_RESET) {
        if (os == HS_Z_SYN_SENT || os == HS_Z_SYN_ACK_SENT ||
            (os == HS_Z_RESET && hs_zeek_size(c, z->orig_dir) == 0 && hs_zeek_size(c, !z->orig_dir) == 0))
            return HS_CS_REJ;
        return inactive(os) ? HS_CS_RSTRH : HS_CS_RSTR;
    }
    if (os == HS_Z_RESET) {
        if (inactive(rs))
            return rstos0_history(z->history) ? HS_CS_RSTOS0 : HS_CS_OTH;
        return HS_CS_RSTO;
    }
    if (os == HS_Z_CLOSED && rs == HS_Z_CLOSED)
        return HS_CS_SF;
    if (os == HS_Z_CLOSED)
        return inactive(rs) ? HS_CS_SH : HS_CS_S2;
    if (rs == HS_Z_CLOSED)
        return inactive(os) ? HS_CS_SHR : HS_CS_S3;
    if (os == HS_Z_SYN_SENT && rs == HS_Z_INACTIVE)
        return HS_CS_S0;
    if (os == HS_Z_ESTABLISHED && rs == HS_Z_ESTABLISHED)
        return HS_CS_S1;
    return HS_CS_OTH;
}

/* ---- sizes (conn.log orig_bytes, resp_bytes) ------------------------------------- */

static uint64_t full_seq(uint32_t seq, uint16_t wraps)
{
    return ((uint64_t)wraps << 32) + seq;
}

/* Zeek's TCP_Endpoint::Size(): sequence space from the start to the highest
 * number sent or acknowledged, without the SYN and the FIN, in Zeek's
 * unsigned 64-bit arithmetic.  A SYN answered by nothing but the sender's
 * own RST counts 0 unless the peer acknowledged data (NoDataAcked). */
uint64_t hs_zeek_size(const hs_conn *c, int dir)
{
    const hs_zeek_end *e = &c->zeek.end[dir & 1], *p = &c->zeek.end[!(dir & 1)];
    uint64_t last = full_seq(e->last_seq, e->seq_wraps), ack = full_seq(e->ack_seq, e->ack_wraps);
    bool no_data_acked = ack == e->start || ack == (uint64_t)e->start + 1;
    if (e->prev_state == HS_Z_SYN_SENT && e->state == HS_Z_RESET && p->state == HS_Z_INACTIVE &&
        !no_data_acked)
        return 0;
    uint64_t size = (last > ack ? last : ack) - e->start;
    if (size)
        size--;                             /* the SYN */
    if ((e->flags & HS_ZEND_FIN) && size)
        size--;                             /* the FIN */
    return size;
}
