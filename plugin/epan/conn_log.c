/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_log.c - `tshark -q -z hs,conn[,FILTER]` (SPEC section 9): one row
 * per connection attempt, written at the end of a single pass as a log in
 * Zeek's own conn.log ASCII format, headers included, so that zeek-cut,
 * Zui and the parsers of Zeek logs read it as it is.  tools/hs-conn-log
 * runs it over many captures and also writes Zeek's JSON.  What each
 * column holds, and where it differs from Zeek: docs/conn-log.md.
 *
 * Listeners, all registered only when the report is asked for, so that
 * nobody else pays for them:
 *   "hs" (no filter)    every analysed packet: counts packets and IP bytes
 *                       per direction of its attempt, notes its endpoints;
 *   "hs" (FILTER)       only with a filter: marks the attempts to print,
 *                       which still get the values of all their packets;
 *   "ip", "ipv6"        the IP total length of each IP layer of the frame.
 * Taps are called in the order they were queued, and the "hs" tap is
 * queued by the post-dissector, after every IP layer of its frame.
 * Everything else (times, Zeek's state, history and sizes, RTTs,
 * anomalies) is read from the engine when the report is drawn.
 */
#include "hs_compat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-ip.h>

#include "engine.h"
#include "labels.h"
#include "negotiation.h"
#include "zeek.h"
#include "capture.h"
#include "reports.h"

#define CLI "hs,conn"
#define MAX_IP_LAYERS 8                /* kept per frame: the innermost ones */

/* An endpoint as the row prints it (capture.h). */
typedef hs_capture_endpoint endpoint;

/* What the listeners gathered about one attempt, by direction (dir). */
typedef struct conn_acc {
    uint64_t ip_bytes[2];
    uint32_t pkts[2];
    endpoint end[2];
    uint8_t  flags;                    /* ACC_* */
} conn_acc;

enum { ACC_SEEN = 1, ACC_SELECTED = 2, ACC_NO_IP_LEN = 4 /* << dir */ };

typedef struct conn_log conn_log;
typedef struct listener { conn_log *log; bool registered; } listener;   /* a tap identity */

struct conn_log {
    listener all, selected, ip4, ip6;
    int      refs;                     /* listeners registered: freed with the last */
    bool     filtered;
    char     opened[32];               /* #open: when the report started */
    GArray  *acc;                      /* conn_acc, indexed by hs_conn.id */
    uint32_t ip_frame;                 /* frame of ip[] */
    int      n_ip;
    struct { const address *src, *dst; uint32_t total_len; } ip[MAX_IP_LAYERS];
};

/* ---- gathering ------------------------------------------------------------- */

static void ip_layer(conn_log *log, const packet_info *pinfo, const address *src, const address *dst,
                     uint32_t total_len)
{
    if (log->ip_frame != pinfo->num) {
        log->ip_frame = pinfo->num;
        log->n_ip = 0;
    }
    if (log->n_ip == MAX_IP_LAYERS) {  /* keep the innermost */
        memmove(&log->ip[0], &log->ip[1], sizeof log->ip[0] * (MAX_IP_LAYERS - 1));
        log->n_ip--;
    }
    log->ip[log->n_ip].src = src;
    log->ip[log->n_ip].dst = dst;
    log->ip[log->n_ip].total_len = total_len;
    log->n_ip++;
}

static tap_packet_status ip4_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                    const void *data, tap_flags_t flags _U_)
{
    const ws_ip4 *ip = (const ws_ip4 *)data;
    if (ip)
        ip_layer(((listener *)tapdata)->log, pinfo, &ip->ip_src, &ip->ip_dst, ip->ip_len);
    return TAP_PACKET_DONT_REDRAW;
}

static tap_packet_status ip6_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                    const void *data, tap_flags_t flags _U_)
{
    const ws_ip6 *ip = (const ws_ip6 *)data;
    if (ip)                            /* Zeek's total length: payload + fixed header */
        ip_layer(((listener *)tapdata)->log, pinfo, &ip->ip6_src, &ip->ip6_dst, ip->ip6_len + 40);
    return TAP_PACKET_DONT_REDRAW;
}

/* The total length of the IP layer that carried this TCP segment: the
 * innermost one between the segment's own addresses; -1 if none. */
static int64_t ip_total_len(const conn_log *log, const packet_info *pinfo)
{
    if (log->ip_frame != pinfo->num)
        return -1;
    for (int i = log->n_ip - 1; i >= 0; i--)
        if (addresses_equal(log->ip[i].src, &pinfo->src) && addresses_equal(log->ip[i].dst, &pinfo->dst))
            return log->ip[i].total_len;
    return -1;
}

static conn_acc *acc_of(conn_log *log, uint32_t id)
{
    if (id >= log->acc->len)
        g_array_set_size(log->acc, id + 1);
    return &g_array_index(log->acc, conn_acc, id);
}

/* The dir that sent the packet r describes. */
static int sender_dir(const hs_conn *c, const hs_result *r)
{
    return (r->flags & HS_RES_RESPONDER) ? !c->init_dir : c->init_dir;
}

static tap_packet_status all_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                    const void *data, tap_flags_t flags _U_)
{
    conn_log *log = ((listener *)tapdata)->log;
    const hs_tap_packet *t = (const hs_tap_packet *)data;
    const hs_result *r = t->r;
    const hs_conn *c = t->c;
    if (!c || hs_label_is_icmp(r->label))   /* an ICMP error is not one of its segments */
        return TAP_PACKET_DONT_REDRAW;
    conn_acc *a = acc_of(log, c->id);
    int dir = sender_dir(c, r);
    if (!(a->flags & ACC_SEEN)) {
        hs_capture_keep_endpoint(&a->end[dir], &pinfo->src, pinfo->srcport);
        hs_capture_keep_endpoint(&a->end[!dir], &pinfo->dst, pinfo->destport);
        a->flags |= ACC_SEEN | (log->filtered ? 0 : ACC_SELECTED);
    }
    a->pkts[dir]++;
    int64_t len = ip_total_len(log, pinfo);
    if (len < 0)
        a->flags |= (uint8_t)(ACC_NO_IP_LEN << dir);
    else
        a->ip_bytes[dir] += (uint64_t)len;
    return TAP_PACKET_DONT_REDRAW;
}

static tap_packet_status selected_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                         const void *data, tap_flags_t flags _U_)
{
    const hs_conn *c = ((const hs_tap_packet *)data)->c;
    if (c)
        acc_of(((listener *)tapdata)->log, c->id)->flags |= ACC_SELECTED;
    return TAP_PACKET_DONT_REDRAW;
}

static void conn_log_reset(void *tapdata)
{
    conn_log *log = ((listener *)tapdata)->log;
    g_array_set_size(log->acc, 0);
    log->ip_frame = 0;
    log->n_ip = 0;
}

/* ---- the columns -------------------------------------------------------------- */

/* One row being written: the attempt, what was gathered, Zeek's orientation. */
typedef struct row {
    const hs_conn  *c;
    const conn_acc *a;
    int      o, r;                     /* dirs of Zeek's originator and responder */
    int64_t  first_us, last_us;        /* Zeek's start_time and last_time */
} row;

#define UNSET "-"

/* Times as Zeek has them: libpcap's microseconds (nanoseconds truncated). */
static int64_t to_us(int64_t ns)
{
    return ns / 1000 - (ns % 1000 < 0);
}

/* Zeek's ASCII time and interval: six decimals. */
static void put_fixed6(GString *s, int64_t us)
{
    uint64_t u = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
    g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ".%06u", us < 0 ? "-" : "",
                           u / 1000000, (unsigned)(u % 1000000));
}

static void put_count(GString *s, uint64_t v)
{
    g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
}

static void put_addr(GString *s, const endpoint *e)
{
    hs_capture_put_endpoint(s, e, false);      /* UNSET for AT_NONE */
}

/* A round-trip leg from two step times, to the nearest microsecond. */
static void put_leg(GString *s, const hs_conn *c, int from, int to)
{
    int64_t a = c->step_ns[from], b = c->step_ns[to];
    if (!a || !b)
        g_string_append(s, UNSET);
    else
        put_fixed6(s, (b - a + 500) / 1000);
}

static bool has_duration(const row *w) { return w->last_us > w->first_us; }

/* Zeek's uid is random; ours is a hash of what identifies the attempt in any
 * capture it is seen in (first packet's time, both endpoints), so that runs
 * are reproducible and the same connection gets the same uid in two
 * captures: 'C' and 96 bits in base 62, the shape of Zeek's. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

static void put_base62(GString *s, uint64_t v)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char buf[16];
    int n = 0;
    do {
        buf[n++] = digits[v % 62];
        v /= 62;
    } while (v);
    while (n)
        g_string_append_c(s, buf[--n]);
}

static void put_uid(GString *s, const row *w)
{
    uint64_t h[2] = { UINT64_C(0xcbf29ce484222325), UINT64_C(0x84222325cbf29ce4) };
    for (int k = 0; k < 2; k++) {
        h[k] = fnv1a(h[k], &w->first_us, sizeof w->first_us);
        h[k] = fnv1a(h[k], &w->a->end[w->o], sizeof(endpoint));
        h[k] = fnv1a(h[k], &w->a->end[w->r], sizeof(endpoint));
    }
    g_string_append_c(s, 'C');
    put_base62(s, h[0]);
    put_base62(s, h[1] & UINT32_MAX);
}

static void col_ts(GString *s, const row *w)        { put_fixed6(s, w->first_us); }
static void col_uid(GString *s, const row *w)       { put_uid(s, w); }
static void col_orig_h(GString *s, const row *w)    { put_addr(s, &w->a->end[w->o]); }
static void col_orig_p(GString *s, const row *w)    { put_count(s, w->a->end[w->o].port); }
static void col_resp_h(GString *s, const row *w)    { put_addr(s, &w->a->end[w->r]); }
static void col_resp_p(GString *s, const row *w)    { put_count(s, w->a->end[w->r].port); }
static void col_proto(GString *s, const row *w _U_) { g_string_append(s, "tcp"); }
static void col_unset(GString *s, const row *w _U_) { g_string_append(s, UNSET); }
static void col_state(GString *s, const row *w)     { g_string_append(s, hs_conn_state_name(hs_conn_state_of(w->c))); }
static void col_stream(GString *s, const row *w)    { put_count(s, w->c->stream); }
static void col_attempt(GString *s, const row *w)   { put_count(s, w->c->attempt); }
static void col_rtt1(GString *s, const row *w)      { put_leg(s, w->c, HS_STEP_SYN, HS_STEP_SYNACK); }
static void col_rtt2(GString *s, const row *w)      { put_leg(s, w->c, HS_STEP_SYNACK, HS_STEP_ACK); }
static void col_rtt(GString *s, const row *w)
{
    if (w->c->step_ns[HS_STEP_SYNACK])   /* as hs.rtt.handshake: all three steps validated */
        put_leg(s, w->c, HS_STEP_SYN, HS_STEP_ACK);
    else
        g_string_append(s, UNSET);
}

/* A span between two of the attempt's times (ns), where both are known. */
static void put_span(GString *s, int64_t from, int64_t to)
{
    if (!from || !to)
        g_string_append(s, UNSET);
    else
        put_fixed6(s, (to - from + 500) / 1000);
}

static void col_connect(GString *s, const row *w) { put_span(s, w->c->syn_ns, w->c->open_ns); }
static void col_close(GString *s, const row *w)   { put_span(s, w->c->fin_ns, w->c->closed_ns); }

static void put_retries(GString *s, bool sent, uint8_t n)
{
    if (sent)
        put_count(s, n);
    else
        g_string_append(s, UNSET);
}

static void col_syn_retries(GString *s, const row *w)
{
    put_retries(s, w->c->syn_ns != 0, w->c->side[HS_INITIATOR].retries);
}

static void col_synack_retries(GString *s, const row *w)
{
    put_retries(s, (w->c->side[HS_RESPONDER].flags & HS_SIDE_SYNACK) != 0, w->c->side[HS_RESPONDER].retries);
}

static void col_vantage(GString *s, const row *w)
{
    hs_vantage v = hs_vantage_of(w->c);
    g_string_append(s, v != HS_VANTAGE_NONE ? hs_vantage_name(v) : UNSET);
}

/* The negotiation summary, where a SYN or SYN+ACK was seen. */
static void col_negotiation(GString *s, const row *w)
{
    char text[160];
    if (!hs_nego_offer_seen(w->c, HS_INITIATOR) && !hs_nego_offer_seen(w->c, HS_RESPONDER)) {
        g_string_append(s, UNSET);
        return;
    }
    hs_nego_summary(w->c, text, sizeof text);
    g_string_append(s, text);
}

/* Zeek sets duration, orig_bytes and resp_bytes only when duration > 0. */
static void col_duration(GString *s, const row *w)
{
    if (has_duration(w))
        put_fixed6(s, w->last_us - w->first_us);
    else
        g_string_append(s, UNSET);
}

static void put_size(GString *s, const row *w, int dir)
{
    if (has_duration(w))
        put_count(s, hs_zeek_size(w->c, dir));
    else
        g_string_append(s, UNSET);
}

static void col_orig_bytes(GString *s, const row *w) { put_size(s, w, w->o); }
static void col_resp_bytes(GString *s, const row *w) { put_size(s, w, w->r); }

static void col_history(GString *s, const row *w)
{
    const char *h = hs_history_of(w->c);
    g_string_append(s, *h ? h : UNSET);
}

static void put_ip_bytes(GString *s, const row *w, int dir)
{
    if (w->a->flags & (ACC_NO_IP_LEN << dir))
        g_string_append(s, UNSET);     /* a packet without an IP layer we could read */
    else
        put_count(s, w->a->ip_bytes[dir]);
}

static void col_orig_pkts(GString *s, const row *w)     { put_count(s, w->a->pkts[w->o]); }
static void col_orig_ip_bytes(GString *s, const row *w) { put_ip_bytes(s, w, w->o); }
static void col_resp_pkts(GString *s, const row *w)     { put_count(s, w->a->pkts[w->r]); }
static void col_resp_ip_bytes(GString *s, const row *w) { put_ip_bytes(s, w, w->r); }

/* Who sent the first FIN, in the row's own orientation. */
static void col_closer(GString *s, const row *w)
{
    const hs_conn *c = w->c;
    if (c->closer == HS_ROLE_NONE) {
        g_string_append(s, UNSET);
        return;
    }
    int dir = c->closer == HS_INITIATOR ? c->init_dir : !c->init_dir;
    g_string_append(s, dir == w->o ? "orig" : "resp");
}

/* SPEC section 10: why it ended so, how it closed, who stopped it. */
static void put_name(GString *s, const char *name) { g_string_append(s, name ? name : UNSET); }

static void col_outcome(GString *s, const row *w)
{
    hs_outcome o = hs_outcome_of(w->c, hs_capture_last_ns());
    put_name(s, o != HS_OUT_NONE ? hs_outcome_name(o) : NULL);
}

static void col_close_kind(GString *s, const row *w)
{
    hs_close_kind k = hs_close_kind_of(w->c);
    put_name(s, k != HS_CK_NONE ? hs_close_kind_name(k) : NULL);
}

static void col_icmp_type(GString *s, const row *w)
{
    if (w->c->icmp_frame)
        put_count(s, w->c->icmp_type);
    else
        g_string_append(s, UNSET);
}

static void col_icmp_code(GString *s, const row *w)
{
    if (w->c->icmp_frame)
        put_count(s, w->c->icmp_code);
    else
        g_string_append(s, UNSET);
}

static void col_icmp_from(GString *s, const row *w)
{
    const endpoint *from = hs_capture_icmp_from(w->c->icmp_frame);
    if (from)
        put_addr(s, from);
    else
        g_string_append(s, UNSET);
}

/* Where any of its RSTs came from: a middlebox if one did not fit its
 * sender, else its peer if one was compared, else unknown. */
static void col_rst_origin(GString *s, const row *w)
{
    const hs_conn *c = w->c;
    put_name(s, (c->anomalies & HS_AN_BIT(HS_AN_RST_INJECTED)) ? hs_origin_name(HS_ORIGIN_MIDDLEBOX)
                : (c->flags & HS_CONN_RST_PEER) ? hs_origin_name(HS_ORIGIN_PEER) : NULL);
}

static void col_first_data(GString *s, const row *w)     { put_span(s, w->c->open_ns, w->c->data_ns); }
static void col_first_response(GString *s, const row *w) { put_span(s, w->c->data_ns, w->c->response_ns); }

/* Every anomaly of the attempt, by its expert info name without "hs.". */
static void col_anomalies(GString *s, const row *w)
{
    hs_anomalies all = w->c->anomalies | hs_conn_final_anomalies(w->c);
    if (!all) {
        g_string_append(s, "(empty)");
        return;
    }
    const char *sep = "";
    for (int k = 0; k < HS_AN_COUNT; k++) {
        if (all & HS_AN_BIT(k)) {
            g_string_append_printf(s, "%s%s", sep, hs_anomaly_name((enum hs_anomaly)k) + 3);
            sep = ",";
        }
    }
}

typedef struct column {
    const char *name, *type;
    void (*put)(GString *s, const row *w);
} column;

/* Zeek's conn.log columns in Zeek's order, then the plugin's as a record
 * "hs" (named as the Wireshark fields they come from, where there is one). */
static const column columns[] = {
    { "ts", "time", col_ts },
    { "uid", "string", col_uid },
    { "id.orig_h", "addr", col_orig_h },
    { "id.orig_p", "port", col_orig_p },
    { "id.resp_h", "addr", col_resp_h },
    { "id.resp_p", "port", col_resp_p },
    { "proto", "enum", col_proto },
    { "service", "string", col_unset },         /* no protocol confirmation */
    { "duration", "interval", col_duration },
    { "orig_bytes", "count", col_orig_bytes },
    { "resp_bytes", "count", col_resp_bytes },
    { "conn_state", "string", col_state },
    { "local_orig", "bool", col_unset },        /* Zeek's default: no Site::local_nets */
    { "local_resp", "bool", col_unset },
    { "missed_bytes", "count", col_unset },     /* needs reassembly */
    { "history", "string", col_history },
    { "orig_pkts", "count", col_orig_pkts },
    { "orig_ip_bytes", "count", col_orig_ip_bytes },
    { "resp_pkts", "count", col_resp_pkts },
    { "resp_ip_bytes", "count", col_resp_ip_bytes },
    { "tunnel_parents", "set[string]", col_unset },   /* no tunnel connection records */
    { "hs.stream", "count", col_stream },
    { "hs.attempt", "count", col_attempt },
    { "hs.closer", "string", col_closer },
    { "hs.rtt.syn_synack", "interval", col_rtt1 },
    { "hs.rtt.synack_ack", "interval", col_rtt2 },
    { "hs.rtt.handshake", "interval", col_rtt },
    { "hs.connect_time", "interval", col_connect },
    { "hs.close.duration", "interval", col_close },
    { "hs.syn.retries", "count", col_syn_retries },
    { "hs.synack.retries", "count", col_synack_retries },
    { "hs.vantage", "string", col_vantage },
    { "hs.outcome", "string", col_outcome },
    { "hs.close.kind", "string", col_close_kind },
    { "hs.icmp.type", "count", col_icmp_type },
    { "hs.icmp.code", "count", col_icmp_code },
    { "hs.icmp.from", "addr", col_icmp_from },
    { "hs.rst.origin", "string", col_rst_origin },
    { "hs.time.first_data", "interval", col_first_data },
    { "hs.time.first_response", "interval", col_first_response },
    { "hs.opt.summary", "string", col_negotiation },
    { "hs.anomalies", "set[string]", col_anomalies },
};

/* ---- drawing ---------------------------------------------------------------- */

/* Zeek's #open and #close: local wall-clock time. */
static void now_text(char *buf, size_t n)
{
    time_t t = time(NULL);
    const struct tm *tm = localtime(&t);
    if (!tm || !strftime(buf, n, "%Y-%m-%d-%H-%M-%S", tm))
        snprintf(buf, n, "-");
}

static void print_header(const conn_log *log)
{
    GString *fields = g_string_new("#fields"), *types = g_string_new("#types");
    for (size_t k = 0; k < G_N_ELEMENTS(columns); k++) {
        g_string_append_printf(fields, "\t%s", columns[k].name);
        g_string_append_printf(types, "\t%s", columns[k].type);
    }
    printf("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
           "#path\tconn\n#open\t%s\n%s\n%s\n", log->opened, fields->str, types->str);
    g_string_free(fields, TRUE);
    g_string_free(types, TRUE);
}

static void print_row(GString *line, const hs_conn *c, const conn_acc *a)
{
    row w = { c, a, hs_zeek_orig_dir(c), !hs_zeek_orig_dir(c), to_us(c->first_ns), to_us(hs_zeek_last_ns(c)) };
    g_string_truncate(line, 0);
    for (size_t k = 0; k < G_N_ELEMENTS(columns); k++) {
        if (k)
            g_string_append_c(line, '\t');
        columns[k].put(line, &w);
    }
    g_string_append_c(line, '\n');
    fputs(line->str, stdout);
}

/* Rows in the order of their first packet.  Sorted by key, and each attempt
 * fetched again to print it: the engine keeps most of them packed, and
 * unpacks one at a time into a buffer. */
typedef struct row_key { int64_t first_ns; uint32_t id; } row_key;

static int by_start(gconstpointer pa, gconstpointer pb)
{
    const row_key *a = pa, *b = pb;
    if (a->first_ns != b->first_ns)
        return a->first_ns < b->first_ns ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static void conn_log_draw(void *tapdata)
{
    conn_log *log = ((listener *)tapdata)->log;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(row_key));
    hs_conn buf;
    for (guint id = 1; id < log->acc->len; id++) {
        const hs_conn *c = hs_capture_attempt(id, &buf);
        if (c && (g_array_index(log->acc, conn_acc, id).flags & ACC_SELECTED)) {
            row_key k = { c->first_ns, id };
            g_array_append_val(rows, k);
        }
    }
    g_array_sort(rows, by_start);
    print_header(log);
    GString *line = g_string_new(NULL);
    for (guint k = 0; k < rows->len; k++) {
        uint32_t id = g_array_index(rows, row_key, k).id;
        print_row(line, hs_capture_attempt(id, &buf), &g_array_index(log->acc, conn_acc, id));
    }
    char closed[32];
    now_text(closed, sizeof closed);
    printf("#close\t%s\n", closed);
    g_string_free(line, TRUE);
    g_array_free(rows, TRUE);
}

/* ---- starting ------------------------------------------------------------------ */

static void conn_log_free(conn_log *log)
{
    g_array_free(log->acc, TRUE);
    g_free(log);
}

/* Every listener's finish: Wireshark removes them one by one (tap_cleanup
 * at exit), in its own order; the last one frees what they share. */
static void conn_log_release(void *tapdata)
{
    conn_log *log = ((listener *)tapdata)->log;
    if (--log->refs == 0)
        conn_log_free(log);
}

/* Register one listener; false (after saying why) if Wireshark refused it,
 * e.g. for a filter that does not compile. */
static bool listen_to(const char *tap, listener *l, const char *filter, tap_reset_cb reset,
                      tap_packet_cb packet, tap_draw_cb draw)
{
    GString *err = register_tap_listener(tap, l, filter, TL_REQUIRES_NOTHING, reset, packet, draw,
                                         conn_log_release);
    if (!err) {
        l->registered = true;
        l->log->refs++;
        return true;
    }
    fprintf(stderr, "tshark: -z " CLI ": %s\n", err->str);
    g_string_free(err, TRUE);
    return false;
}

/* Undo a start that failed half-way; frees the log. */
static void abandon(conn_log *log)
{
    listener *mine[] = { &log->ip4, &log->ip6, &log->selected, &log->all }, *registered[4];
    int n = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(mine); k++)
        if (mine[k]->registered)
            registered[n++] = mine[k];
    if (!n)
        conn_log_free(log);
    for (int k = 0; k < n; k++)        /* the last removal frees the log */
        remove_tap_listener(registered[k]);
}

static hs_stat_init_result conn_log_init(const char *arg, void *userdata _U_)
{
    const size_t n = strlen(CLI);
    const char *filter = NULL;
    if (arg[n] == ',' && arg[n + 1])
        filter = arg + n + 1;
    else if (arg[n]) {
        fprintf(stderr, "tshark: -z %s: expected -z " CLI " or -z " CLI ",FILTER\n", arg);
        HS_STAT_INIT_DONE(false);
    }
    conn_log *log = g_new0(conn_log, 1);
    log->all.log = log->selected.log = log->ip4.log = log->ip6.log = log;
    log->filtered = filter != NULL;
    log->acc = g_array_new(FALSE, TRUE, sizeof(conn_acc));
    now_text(log->opened, sizeof log->opened);
    bool ok = listen_to("ip", &log->ip4, NULL, NULL, ip4_packet, NULL) &&
              listen_to("ipv6", &log->ip6, NULL, NULL, ip6_packet, NULL) &&
              (!filter || listen_to(HS_TAP_NAME, &log->selected, filter, NULL, selected_packet, NULL)) &&
              listen_to(HS_TAP_NAME, &log->all, NULL, conn_log_reset, all_packet, conn_log_draw);
    if (!ok)
        abandon(log);
    HS_STAT_INIT_DONE(ok);
}

static stat_tap_ui conn_log_ui = {
    REGISTER_STAT_GROUP_GENERIC, NULL, CLI, conn_log_init, 0, NULL
};

void hs_conn_log_register(void)
{
    register_stat_tap_ui(&conn_log_ui, NULL);
}
