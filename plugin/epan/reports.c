/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reports.c - tshark/GUI reports over the "hs" tap (SPEC section 4).
 *
 * 1. stats_tree "hs": `tshark -q -z hs,tree[,filter]`, Statistics > Handshake.
 * 2. Flow Graph "hs": `tshark -q -z flow,hs,standard|network[,filter]`, and
 *    "Handshake" in the GUI's Flow Graph (build option HS_FLOW_GRAPH).
 * 3. The connection log `-z hs,conn[,filter]`: conn_log.c.
 *
 * The tap queues an hs_tap_packet (capture.h) on every pass: the packet's
 * result and its connection attempt, whose values are the ones "so far" in a single pass
 * (tshark without -2) and final on later passes (tshark -2, the GUI).
 *
 * Connection-wide rows (state, close kind, closer, RTT, and the anomalies
 * only the finished attempt can tell) are therefore not ticked once: each
 * tree remembers what it counted for every attempt and moves the count
 * when a later packet of that attempt shows a new value.  Once the tap has
 * seen an attempt's last packet its row is final, so single-pass and
 * two-pass output agree (tests/reports checks that on every capture).
 * With a filter (-z hs,tree,FILTER) the tap only sees matching packets: a
 * single pass then shows connections as of their last matching packet
 * (e.g. -z hs,tree,hs.step==1 sees S0 and "SYN never answered"); add -2
 * for their final state.  A connection is counted on the first packet of it
 * the tree sees (HS_RES_NEW when there is no filter).
 *
 * Outcomes and the lists of responders and initiators with failed attempts
 * (SPEC section 10) are not counted per packet but drawn from the engine's
 * attempts when the report is printed (see draw_failures()): an outcome can
 * depend on when the capture ends, which a single pass only knows then.
 */
#include "hs_compat.h"

#include <stdio.h>
#include <string.h>

#include <epan/prefs.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "engine.h"
#include "labels.h"
#include "negotiation.h"
#include "zeek.h"
#include "capture.h"
#include "reports.h"

#ifndef HS_FLOW_GRAPH                  /* set by the CMake option of that name */
#define HS_FLOW_GRAPH 1
#endif

static const char *anomaly_name(int a, char *buf, size_t n)
{
    if (a >= 0 && a < HS_AN_COUNT)
        return hs_anomaly_name((enum hs_anomaly)a);
    snprintf(buf, n, "hs.anomaly.%d", a);
    return buf;
}

/* ======================================================================
 * 1. stats_tree
 * ====================================================================== */

/* The tree sorts rows by name (tshark always sorts; by count, the
 * default, would put rows in a data-dependent order): names are chosen so
 * that this order reads well. */

/* Close kinds: the engine's (hs_close_kind_of), by the names hs.close.kind
 * shows; an attempt that never got established has none. */
enum { CK_COUNT = HS_CK_COUNT - 1 };
static const char *close_names[CK_COUNT];      /* by hs_close_kind - 1 */

/* Handshake RTT (SYN to ACK) buckets, in nanoseconds. */
enum { RTT_1MS, RTT_10MS, RTT_100MS, RTT_1S, RTT_MORE, RTT_COUNT };
static const char *const rtt_names[RTT_COUNT] = {   /* [a, b) */
    "0-1 ms", "1-10 ms", "10-100 ms", "100-1000 ms", "1000+ ms",
};
static const int64_t rtt_limits[RTT_COUNT - 1] = {
    1000000, 10000000, 100000000, 1000000000,
};

/* The anomalies the finished attempt decides (see hs_final_anomalies()),
 * counted per packet like the expert info: the frames that can carry them. */
static const uint8_t final_steps[] = { HS_STEP_SYN, HS_STEP_SYNACK, HS_STEP_ACK, HS_STEP_FIN1, HS_STEP_FIN2 };
enum { FINAL_SLOTS = 4 };
static const uint8_t final_anomalies[FINAL_SLOTS] = {
    HS_AN_SYN_UNANSWERED, HS_AN_HS_INCOMPLETE, HS_AN_FIN_UNACKED, HS_AN_DATA_NONE,
};

/* Parent node names: unique in the tree (stats_tree keys parents by name). */
#define N_STATE   "Connections by state (Zeek conn_state)"
#define N_CLOSE   "Close kinds (established connections)"
#define N_CLOSER  "Closed first by"
#define N_RTT     "Handshake RTT (SYN to ACK)"
#define N_STEPS   "Steps by label (packets)"
#define N_ANOM    "Anomalies by kind (packets)"
#define N_NEGO    "Negotiation (connections)"
#define N_MSS     "MSS offered (SYN and SYN+ACK)"

/* Negotiation outcomes, one group of rows each (SPEC section 7).  A
 * connection is counted once both its SYN and SYN+ACK were seen. */
enum { NG_WS, NG_SACK, NG_TS, NG_ECN, NG_TFO, NG_MPTCP, NG_COUNT };
enum { ONOFF_ON, ONOFF_OFF, ONOFF_UNREAD, ONOFF_COUNT };
static const char *const onoff_names[ONOFF_COUNT] = { "on", "off", "not analysed (hs.negotiation off)" };
static const char *const ecn_names[] = { "off", "ecn (RFC 3168)", "accecn (Accurate ECN)" };
static const char *const tfo_names[HS_TFO_COUNT] = {   /* by hs_tfo_mode; "unknown" is never counted */
    "not analysed (hs.negotiation off)", "off", "cookie requested", "cookie", "data accepted", "data ignored",
};
static const struct nego_group { const char *name; const char *const *rows; int n; } nego_groups[NG_COUNT] = {
    [NG_WS]    = { "Window scaling", onoff_names, ONOFF_COUNT },
    [NG_SACK]  = { "SACK", onoff_names, ONOFF_COUNT },
    [NG_TS]    = { "Timestamps", onoff_names, ONOFF_COUNT },
    [NG_ECN]   = { "ECN", ecn_names, 3 },
    [NG_TFO]   = { "TCP Fast Open", tfo_names, HS_TFO_COUNT },
    [NG_MPTCP] = { "MPTCP", onoff_names, 2 },
};
#define NEGO_ROWS_MAX HS_TFO_COUNT

/* What a tree counted for one attempt (0 = nothing, else value + 1). */
typedef struct conn_seen {
    uint8_t state, close, closer, rtt;
    uint8_t final[FINAL_SLOTS];       /* packets counted per final anomaly */
    uint8_t nego[NG_COUNT];
    uint32_t mss[2];                  /* MSS row counted per side (value + 1), 0 = none */
    hs_capture_endpoint end[2];       /* by role, from the first packet the tree saw */
} conn_seen;

/* Per tree (the GUI may open several, with different filters). */
typedef struct tree_data {
    int id_state, id_close, id_closer, id_rtt, id_steps, id_anom;
    uint32_t last_frame;              /* to see a new pass begin */
    GArray *seen;                     /* conn_seen, indexed by hs_conn.id */
    int connections, closed, closers, rtts;
    int states[HS_CS_COUNT], closes[CK_COUNT], closed_by[2], rtt[RTT_COUNT];
    int finals[FINAL_SLOTS];          /* final anomalies counted so far */
    int id_nego, id_mss, id_group[NG_COUNT];
    int nego_total[NG_COUNT], nego[NG_COUNT][NEGO_ROWS_MAX], mss_offers;
    int id_outcome, id_resp, id_init;
    struct drawer *drawer;            /* the listener that draws the failure lists */
    GArray *drawn;                    /* drawn_row: the list rows the last draw set */
} tree_data;

static GHashTable *trees;             /* stats_tree * -> tree_data * */

static int rtt_bucket(const hs_conn *c)
{
    const int64_t *t = c->step_ns;
    if (!t[HS_STEP_SYN] || !t[HS_STEP_ACK])
        return -1;
    int64_t d = t[HS_STEP_ACK] - t[HS_STEP_SYN];
    int b = 0;
    while (b < RTT_COUNT - 1 && d >= rtt_limits[b])
        b++;
    return b;
}

static void tree_reset(tree_data *td)
{
    g_array_set_size(td->seen, 0);
    td->connections = td->closed = td->closers = td->rtts = 0;
    memset(td->states, 0, sizeof td->states);
    memset(td->closes, 0, sizeof td->closes);
    memset(td->closed_by, 0, sizeof td->closed_by);
    memset(td->rtt, 0, sizeof td->rtt);
    memset(td->finals, 0, sizeof td->finals);
    memset(td->nego_total, 0, sizeof td->nego_total);
    memset(td->nego, 0, sizeof td->nego);
    td->mss_offers = 0;
}

/* Move one attempt's count in a group of rows from value old to new (both
 * "+1", 0 = none); returns whether anything changed. */
static bool move(stats_tree *st, int parent, int *total, int *counts, const char *const *names,
                 uint8_t *slot, int value)
{
    uint8_t now = value < 0 ? 0 : (uint8_t)(value + 1);
    if (*slot == now)
        return false;
    if (*slot) {
        counts[*slot - 1]--;
        (*total)--;
        set_stat_node(st, names[*slot - 1], parent, FALSE, counts[*slot - 1]);
    }
    if (now) {
        counts[now - 1]++;
        (*total)++;
        set_stat_node(st, names[now - 1], parent, FALSE, counts[now - 1]);
    }
    *slot = now;
    return true;
}

/* A connection's row in a negotiation group, -1 while not known. */
static int nego_row(const hs_conn *c, int group)
{
    static const uint8_t opt[NG_COUNT] = { [NG_WS] = HS_OPT_WS, [NG_SACK] = HS_OPT_SACKP,
                                           [NG_TS] = HS_OPT_TS, [NG_MPTCP] = HS_OPT_MPC };
    if (!hs_nego_complete(c))
        return -1;
    switch (group) {
    case NG_ECN:
        return (int)hs_nego_ecn(c) - (int)HS_ECN_OFF;
    case NG_TFO: {
        hs_tfo_mode m = hs_nego_tfo(c);
        return m != HS_TFO_UNKNOWN ? (int)m : hs_nego_options_read(c) ? -1 : 0;
    }
    case NG_MPTCP:
        return hs_nego_in_use(c, HS_OPT_MPC) ? ONOFF_ON : ONOFF_OFF;
    default:
        if (!hs_nego_options_read(c))
            return ONOFF_UNREAD;
        return hs_nego_in_use(c, opt[group]) ? ONOFF_ON : ONOFF_OFF;
    }
}

/* The MSS rows: one per value offered, counting SYNs and SYN+ACKs. */
static void count_mss(stats_tree *st, tree_data *td, conn_seen *s, const hs_conn *c)
{
    for (int role = HS_INITIATOR; role <= HS_RESPONDER; role++) {
        const hs_side *sd = &c->side[role];
        uint32_t now = hs_nego_offer_read(c, role) && (sd->offer & HS_OPT_MSS) ? sd->mss + 1u : 0;
        if (now == s->mss[role])
            continue;
        char name[12];
        if (s->mss[role]) {
            snprintf(name, sizeof name, "%u", (unsigned)(s->mss[role] - 1));
            increase_stat_node(st, name, td->id_mss, FALSE, -1);
            td->mss_offers--;
        }
        if (now) {
            snprintf(name, sizeof name, "%u", (unsigned)sd->mss);
            increase_stat_node(st, name, td->id_mss, FALSE, 1);
            td->mss_offers++;
        }
        s->mss[role] = now;
        set_stat_node(st, N_MSS, td->id_nego, TRUE, td->mss_offers);
    }
}

static void count_nego(stats_tree *st, tree_data *td, conn_seen *s, const hs_conn *c)
{
    for (int g = 0; g < NG_COUNT; g++)
        if (move(st, td->id_group[g], &td->nego_total[g], td->nego[g], nego_groups[g].rows, &s->nego[g],
                 nego_row(c, g))) {
            set_stat_node(st, nego_groups[g].name, td->id_nego, TRUE, td->nego_total[g]);
            if (g == NG_ECN)       /* the connections whose negotiation was seen */
                set_stat_node(st, N_NEGO, 0, TRUE, td->nego_total[g]);
        }
    count_mss(st, td, s, c);
}

static const char *cs_names[HS_CS_COUNT];
static const char *const closer_names[2] = { "initiator", "responder" };

static void count_conn(stats_tree *st, tree_data *td, const packet_info *pinfo, const hs_conn *c,
                       const hs_result *r)
{
    if (c->id >= td->seen->len)
        g_array_set_size(td->seen, c->id + 1);
    conn_seen *s = &g_array_index(td->seen, conn_seen, c->id);
    if (!s->state) {                  /* the first packet of it this tree sees */
        bool from_resp = (r->flags & HS_RES_RESPONDER) != 0;
        hs_capture_keep_endpoint(&s->end[from_resp ? HS_RESPONDER : HS_INITIATOR], &pinfo->src, pinfo->srcport);
        hs_capture_keep_endpoint(&s->end[from_resp ? HS_INITIATOR : HS_RESPONDER], &pinfo->dst, pinfo->destport);
    }

    int before = td->connections;
    move(st, td->id_state, &td->connections, td->states, cs_names, &s->state, (int)hs_conn_state_of(c));
    if (td->connections != before) {
        set_stat_node(st, N_STATE, 0, TRUE, td->connections);
    }
    if (move(st, td->id_close, &td->closed, td->closes, close_names, &s->close, (int)hs_close_kind_of(c) - 1))
        set_stat_node(st, N_CLOSE, 0, TRUE, td->closed);
    if (move(st, td->id_closer, &td->closers, td->closed_by, closer_names, &s->closer,
             c->closer == HS_ROLE_NONE ? -1 : c->closer))
        set_stat_node(st, N_CLOSER, 0, TRUE, td->closers);
    uint8_t had_rtt = s->rtt;
    if (move(st, td->id_rtt, &td->rtts, td->rtt, rtt_names, &s->rtt, rtt_bucket(c))) {
        set_stat_node(st, N_RTT, 0, TRUE, td->rtts);
        /* Average, minimum and maximum in ms: a handshake's RTT, once known, stays. */
        if (!had_rtt && s->rtt)
            stats_tree_manip_node_float(MN_AVERAGE_NOTICK, st, N_RTT, 0, TRUE,
                                        (gfloat)((c->step_ns[HS_STEP_ACK] - c->step_ns[HS_STEP_SYN]) / 1e6));
    }
    count_nego(st, td, s, c);

    /* Final anomalies: how many of the attempt's step frames carry each. */
    uint8_t now[FINAL_SLOTS] = { 0 };
    uint32_t prev = 0;
    for (size_t k = 0; k < G_N_ELEMENTS(final_steps); k++) {
        uint32_t f = c->step_frame[final_steps[k]];
        if (!f || f == prev)
            continue;
        prev = f;
        hs_anomalies a = hs_final_anomalies(c, r, f);
        for (int j = 0; j < FINAL_SLOTS; j++)
            if (a & HS_AN_BIT(final_anomalies[j]))
                now[j]++;
    }
    for (int j = 0; j < FINAL_SLOTS; j++) {
        if (now[j] == s->final[j])
            continue;
        char buf[32];
        int delta = (int)now[j] - (int)s->final[j];
        const char *name = anomaly_name(final_anomalies[j], buf, sizeof buf);
        td->finals[j] += delta;
        s->final[j] = now[j];
        /* Per-packet anomalies tick their rows; these rows are only ever
         * moved here, so set them to what this tree counted. */
        set_stat_node(st, name, td->id_anom, FALSE, td->finals[j]);
        increase_stat_node(st, N_ANOM, 0, TRUE, delta);
    }
}

/* ---- Outcomes and the failure lists (SPEC section 10) ---------------------------
 *
 * An outcome can depend on when the capture ends ("no answer" or "ended too
 * soon"), which a single pass only knows at the end: these nodes are drawn,
 * not ticked, from the attempts the tree counted, as the engine has them
 * when the report is printed (the same values as hs.outcome in tshark -2).
 * A second tap listener, registered after the tree's own, is drawn before
 * it (Wireshark draws the last registered first) and sets them; the
 * packets cost nothing more.  The lists are built in hash tables, O(n)
 * in the attempts, sorted once, and freed after each draw. */

#define N_OUTCOME "Outcomes (attempts)"
#define N_RESP    "Responders with failed attempts"
#define N_INIT    "Initiators with failed attempts"

static guint pref_report_top = 20;     /* hs.report_top: rows per list, 0 = all */

static const char *outcome_names[HS_OUT_COUNT];

/* A failed attempt: not established, and a handshake was seen. */
static bool failed(hs_outcome o)
{
    return o != HS_OUT_ESTABLISHED && o != HS_OUT_NO_HANDSHAKE && o != HS_OUT_NONE;
}

typedef struct responder_row {
    hs_capture_endpoint end;           /* key */
    int failed, by[HS_OUT_COUNT];
} responder_row;

typedef struct initiator_row {
    hs_capture_endpoint end;           /* key: the address, port 0 */
    int failed, pairs, addresses, ports;
} initiator_row;

/* Set keys: an initiator's address with a responder's address and port. */
typedef struct pair_key {
    hs_capture_endpoint init, resp;
} pair_key;

static guint bytes_hash(gconstpointer p, size_t n)
{
    const uint8_t *b = p;
    guint h = 2166136261u;              /* FNV-1a */
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 16777619u;
    return h;
}
static guint end_hash(gconstpointer p)   { return bytes_hash(p, sizeof(hs_capture_endpoint)); }
static gboolean end_equal(gconstpointer a, gconstpointer b) { return !memcmp(a, b, sizeof(hs_capture_endpoint)); }
static guint pair_hash(gconstpointer p)  { return bytes_hash(p, sizeof(pair_key)); }
static gboolean pair_equal(gconstpointer a, gconstpointer b) { return !memcmp(a, b, sizeof(pair_key)); }

/* Adds key to a set (a hash table owning its keys); whether it was new. */
static bool set_add(GHashTable *set, const void *key, size_t n)
{
    if (g_hash_table_contains(set, key))
        return false;
    g_hash_table_add(set, g_memdup2(key, (guint)n));
    return true;
}

/* The values of a table sorted by `by`, and in *shown how many of them the
 * list shows (hs.report_top).  (g_hash_table_get_values_as_ptr_array
 * needs GLib 2.76.) */
static GPtrArray *ranked_rows(GHashTable *t, GCompareFunc by, unsigned *shown)
{
    GPtrArray *a = g_ptr_array_sized_new(g_hash_table_size(t));
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(a, v);
    g_ptr_array_sort(a, by);
    *shown = pref_report_top && a->len > pref_report_top ? pref_report_top : a->len;
    return a;
}

/* Ties in address order, then port. */
static int end_cmp(const hs_capture_endpoint *a, const hs_capture_endpoint *b)
{
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    int d = memcmp(a->data, b->data, sizeof a->data);
    return d ? d : (int)a->port - (int)b->port;
}

/* Worst first: most failed attempts, then the endpoint. */
static gint by_failed(gconstpointer pa, gconstpointer pb)
{
    const responder_row *a = *(responder_row *const *)pa, *b = *(responder_row *const *)pb;
    if (a->failed != b->failed)
        return a->failed > b->failed ? -1 : 1;
    return end_cmp(&a->end, &b->end);
}

/* Widest first: most responder address:port pairs, then failed attempts. */
static gint by_width(gconstpointer pa, gconstpointer pb)
{
    const initiator_row *a = *(initiator_row *const *)pa, *b = *(initiator_row *const *)pb;
    if (a->pairs != b->pairs)
        return a->pairs > b->pairs ? -1 : 1;
    if (a->failed != b->failed)
        return a->failed > b->failed ? -1 : 1;
    return end_cmp(&a->end, &b->end);
}

/* A row the last draw set, to be zeroed by the next (the GUI draws a
 * retap several times; a row cannot be removed from a stats_tree). */
typedef struct drawn_row { int parent; char *name; } drawn_row;

static int draw_row(stats_tree *st, tree_data *td, const char *name, int parent, bool with_children, int value)
{
    drawn_row d = { parent, g_strdup(name) };
    g_array_append_val(td->drawn, d);
    return set_stat_node(st, name, parent, with_children, value);
}

static void undraw_rows(stats_tree *st, tree_data *td)
{
    for (guint k = 0; k < td->drawn->len; k++) {
        drawn_row *d = &g_array_index(td->drawn, drawn_row, k);
        set_stat_node(st, d->name, d->parent, FALSE, 0);
        g_free(d->name);
    }
    g_array_set_size(td->drawn, 0);
}

/* "07 10.0.0.2:80": a rank, zero-padded to the list's width, first, as the
 * tree sorts its rows by name. */
static void ranked_name(GString *name, unsigned rank, unsigned shown, const hs_capture_endpoint *e, bool port)
{
    int width = 1;
    for (unsigned n = shown; n >= 10; n /= 10)
        width++;
    g_string_printf(name, "%0*u ", width, rank);
    hs_capture_put_endpoint(name, e, port);
}

/* The rows past the cut, as one: how many, and their failed attempts. */
static void draw_more(stats_tree *st, tree_data *td, int parent, unsigned total, unsigned shown, const char *what,
                      int failed)
{
    if (total <= shown)
        return;
    char *name = g_strdup_printf("more: %u %s not listed (-o hs.report_top:0 lists all)", total - shown, what);
    draw_row(st, td, name, parent, FALSE, failed);
    g_free(name);
}

static void draw_failures(stats_tree *st, tree_data *td)
{
    int outcomes[HS_OUT_COUNT] = { 0 }, counted = 0;
    GHashTable *resp = g_hash_table_new_full(end_hash, end_equal, NULL, g_free);
    GHashTable *init = g_hash_table_new_full(end_hash, end_equal, NULL, g_free);
    GHashTable *pairs = g_hash_table_new_full(pair_hash, pair_equal, g_free, NULL);
    GHashTable *addrs = g_hash_table_new_full(pair_hash, pair_equal, g_free, NULL);
    GHashTable *ports = g_hash_table_new_full(pair_hash, pair_equal, g_free, NULL);
    int64_t end_ns = hs_capture_last_ns();
    hs_conn buf;

    for (guint id = 1; id < td->seen->len; id++) {
        const conn_seen *s = &g_array_index(td->seen, conn_seen, id);
        const hs_conn *c = s->state ? hs_capture_attempt(id, &buf) : NULL;
        if (!c)
            continue;
        hs_outcome o = hs_outcome_of(c, end_ns);
        outcomes[o]++;
        counted++;
        if (!failed(o))
            continue;
        responder_row *rr = g_hash_table_lookup(resp, &s->end[HS_RESPONDER]);
        if (!rr) {
            rr = g_new0(responder_row, 1);
            rr->end = s->end[HS_RESPONDER];
            g_hash_table_insert(resp, &rr->end, rr);
        }
        rr->failed++;
        rr->by[o]++;

        pair_key k = { s->end[HS_INITIATOR], s->end[HS_RESPONDER] };
        k.init.port = 0;
        initiator_row *ir = g_hash_table_lookup(init, &k.init);
        if (!ir) {
            ir = g_new0(initiator_row, 1);
            ir->end = k.init;
            g_hash_table_insert(init, &ir->end, ir);
        }
        ir->failed++;
        ir->pairs += set_add(pairs, &k, sizeof k);
        pair_key a = k;
        a.resp.port = 0;
        ir->addresses += set_add(addrs, &a, sizeof a);
        pair_key p = k;
        memset(&p.resp, 0, sizeof p.resp);
        p.resp.port = k.resp.port;
        ir->ports += set_add(ports, &p, sizeof p);
    }

    undraw_rows(st, td);
    set_stat_node(st, N_OUTCOME, 0, TRUE, counted);
    for (int o = HS_OUT_ESTABLISHED; o < HS_OUT_COUNT; o++)
        set_stat_node(st, outcome_names[o], td->id_outcome, FALSE, outcomes[o]);

    /* Every count is failed attempts but the initiators' pairs, addresses
     * and ports: the GUI's Percent column (of the parent) reads right. */
    int all_failed = counted - outcomes[HS_OUT_ESTABLISHED] - outcomes[HS_OUT_NO_HANDSHAKE];
    GString *name = g_string_new(NULL);
    unsigned shown;
    GPtrArray *rows = ranked_rows(resp, by_failed, &shown);
    int rest = all_failed;
    set_stat_node(st, N_RESP, 0, TRUE, all_failed);
    for (unsigned k = 0; k < shown; k++) {
        const responder_row *rr = g_ptr_array_index(rows, k);
        ranked_name(name, k + 1, shown, &rr->end, true);
        int id = draw_row(st, td, name->str, td->id_resp, TRUE, rr->failed);
        rest -= rr->failed;
        for (int o = 0; o < HS_OUT_COUNT; o++)
            if (rr->by[o])
                draw_row(st, td, outcome_names[o], id, FALSE, rr->by[o]);
    }
    draw_more(st, td, td->id_resp, rows->len, shown, "responders", rest);
    g_ptr_array_free(rows, TRUE);

    rows = ranked_rows(init, by_width, &shown);
    rest = all_failed;
    set_stat_node(st, N_INIT, 0, TRUE, all_failed);
    for (unsigned k = 0; k < shown; k++) {
        const initiator_row *ir = g_ptr_array_index(rows, k);
        ranked_name(name, k + 1, shown, &ir->end, false);
        int id = draw_row(st, td, name->str, td->id_init, TRUE, ir->failed);
        rest -= ir->failed;
        draw_row(st, td, "responder address:port pairs", id, FALSE, ir->pairs);
        draw_row(st, td, "responder addresses", id, FALSE, ir->addresses);
        draw_row(st, td, "responder ports", id, FALSE, ir->ports);
    }
    draw_more(st, td, td->id_init, rows->len, shown, "initiators", rest);
    g_ptr_array_free(rows, TRUE);

    g_string_free(name, TRUE);
    g_hash_table_destroy(resp);
    g_hash_table_destroy(init);
    g_hash_table_destroy(pairs);
    g_hash_table_destroy(addrs);
    g_hash_table_destroy(ports);
}

/* The listener that draws them: its own allocation, as Wireshark may free
 * it (tap_cleanup at exit) before or after the tree. */
typedef struct drawer { stats_tree *st; tree_data *td; } drawer;

static tap_packet_status drawer_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                       const void *data _U_, tap_flags_t flags _U_)
{
    return TAP_PACKET_REDRAW;          /* so that the GUI's periodic draws call drawer_draw */
}

static void drawer_draw(void *tapdata)
{
    drawer *d = (drawer *)tapdata;
    if (d->td)
        draw_failures(d->st, d->td);
}

static void drawer_finish(void *tapdata)
{
    drawer *d = (drawer *)tapdata;
    if (d->td)
        d->td->drawer = NULL;
    g_free(d);
}

static void drawer_start(stats_tree *st, tree_data *td)
{
    drawer *d = g_new0(drawer, 1);
    d->st = st;
    d->td = td;
    GString *err = register_tap_listener(HS_TAP_NAME, d, NULL, TL_REQUIRES_NOTHING, NULL, drawer_packet,
                                         drawer_draw, drawer_finish);
    if (err) {
        g_string_free(err, TRUE);
        g_free(d);
        return;
    }
    td->drawer = d;
}

static void drawer_stop(tree_data *td)
{
    drawer *d = td->drawer;
    if (!d)
        return;
    d->td = NULL;
    td->drawer = NULL;
    remove_tap_listener(d);            /* calls drawer_finish, which frees it */
}

static tap_packet_status hs_tree_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_,
                                        const void *data, tap_flags_t flags _U_)
{
    const hs_result *r = ((const hs_tap_packet *)data)->r;
    const hs_conn *c = ((const hs_tap_packet *)data)->c;
    tree_data *td = trees ? (tree_data *)g_hash_table_lookup(trees, st) : NULL;
    if (!r || !c || !td)
        return TAP_PACKET_DONT_REDRAW;

    /* A retap (GUI: reload, new filter) zeroes the tree's counters without
     * telling us: a frame number that does not grow means a new pass. */
    if (pinfo->num <= td->last_frame)
        tree_reset(td);
    td->last_frame = pinfo->num;

    if (r->label) {
        const hs_label_info *li = hs_label_info_of((hs_label)r->label);
        tick_stat_node(st, N_STEPS, 0, TRUE);
        if (r->flags & HS_RES_RETRANS) {
            char *name = g_strdup_printf("%s (retransmission)", li->text);
            tick_stat_node(st, name, td->id_steps, FALSE);
            g_free(name);
        } else {
            tick_stat_node(st, li->text, td->id_steps, FALSE);
        }
    }
    for (int a = 0; a < HS_AN_COUNT && (r->anomalies >> a); a++) {
        if (!(r->anomalies & HS_AN_BIT(a)) || (HS_AN_FINAL_MASK & HS_AN_BIT(a)))
            continue;
        char buf[32];
        tick_stat_node(st, N_ANOM, 0, TRUE);
        tick_stat_node(st, anomaly_name(a, buf, sizeof buf), td->id_anom, FALSE);
    }
    count_conn(st, td, pinfo, c, r);
    return TAP_PACKET_REDRAW;
}

static void hs_tree_cleanup(stats_tree *st)
{
    tree_data *td = trees ? (tree_data *)g_hash_table_lookup(trees, st) : NULL;
    if (!td)
        return;
    g_hash_table_remove(trees, st);
    drawer_stop(td);
    for (guint k = 0; k < td->drawn->len; k++)
        g_free(g_array_index(td->drawn, drawn_row, k).name);
    g_array_free(td->drawn, TRUE);
    g_array_free(td->seen, TRUE);
    g_free(td);
}

static void hs_tree_init(stats_tree *st)
{
    hs_tree_cleanup(st);              /* re-init of the same tree */
    if (!trees)
        trees = g_hash_table_new(g_direct_hash, g_direct_equal);
    tree_data *td = g_new0(tree_data, 1);
    td->seen = g_array_new(FALSE, TRUE, sizeof(conn_seen));
    td->drawn = g_array_new(FALSE, TRUE, sizeof(drawn_row));
    g_hash_table_insert(trees, st, td);

    for (int s = 0; s < HS_CS_COUNT; s++)
        cs_names[s] = hs_conn_state_name((hs_conn_state)s);
    for (int k = 0; k < CK_COUNT; k++)
        close_names[k] = hs_close_kind_name((hs_close_kind)(k + 1));
    for (int o = 0; o < HS_OUT_COUNT; o++)
        outcome_names[o] = hs_outcome_name((hs_outcome)o);

    /* Fixed rows in a fixed order, zeros included: they are the same in
     * every capture, and a single pass (where an attempt's row moves as it
     * progresses) shows the same rows as two passes. */
    td->id_state = stats_tree_create_node(st, N_STATE, 0, STAT_DT_INT, TRUE);
    for (int s = 0; s < HS_CS_COUNT; s++)
        stats_tree_create_node(st, cs_names[s], td->id_state, STAT_DT_INT, FALSE);
    td->id_close = stats_tree_create_node(st, N_CLOSE, 0, STAT_DT_INT, TRUE);
    for (int k = 0; k < CK_COUNT; k++)
        stats_tree_create_node(st, close_names[k], td->id_close, STAT_DT_INT, FALSE);
    td->id_outcome = stats_tree_create_node(st, N_OUTCOME, 0, STAT_DT_INT, TRUE);
    for (int o = HS_OUT_ESTABLISHED; o < HS_OUT_COUNT; o++)
        stats_tree_create_node(st, outcome_names[o], td->id_outcome, STAT_DT_INT, FALSE);
    td->id_resp = stats_tree_create_node(st, N_RESP, 0, STAT_DT_INT, TRUE);
    td->id_init = stats_tree_create_node(st, N_INIT, 0, STAT_DT_INT, TRUE);
    td->id_closer = stats_tree_create_node(st, N_CLOSER, 0, STAT_DT_INT, TRUE);
    for (int k = 0; k < 2; k++)
        stats_tree_create_node(st, closer_names[k], td->id_closer, STAT_DT_INT, FALSE);
    td->id_rtt = stats_tree_create_node(st, N_RTT, 0, STAT_DT_FLOAT, TRUE);
    for (int k = 0; k < RTT_COUNT; k++)
        stats_tree_create_node(st, rtt_names[k], td->id_rtt, STAT_DT_INT, FALSE);
    td->id_nego = stats_tree_create_node(st, N_NEGO, 0, STAT_DT_INT, TRUE);
    for (int g = 0; g < NG_COUNT; g++) {
        td->id_group[g] = stats_tree_create_node(st, nego_groups[g].name, td->id_nego, STAT_DT_INT, TRUE);
        for (int k = 0; k < nego_groups[g].n; k++)
            stats_tree_create_node(st, nego_groups[g].rows[k], td->id_group[g], STAT_DT_INT, FALSE);
    }
    td->id_mss = stats_tree_create_node(st, N_MSS, td->id_nego, STAT_DT_INT, TRUE);
    /* Rows for the labels and anomalies seen; those that only the finished
     * attempt decides are always there, for the same reason as above. */
    td->id_steps = stats_tree_create_node(st, N_STEPS, 0, STAT_DT_INT, TRUE);
    td->id_anom = stats_tree_create_node(st, N_ANOM, 0, STAT_DT_INT, TRUE);
    for (int j = 0; j < FINAL_SLOTS; j++) {
        char buf[32];
        stats_tree_create_node(st, anomaly_name(final_anomalies[j], buf, sizeof buf), td->id_anom,
                               STAT_DT_INT, FALSE);
    }
    drawer_start(st, td);
}

static void register_tree(void)
{
    HS_STATS_TREE_REGISTER(HS_TAP_NAME, "hs", "Handshake", ST_SORT_COL_NAME << ST_FLG_SRTCOL_SHIFT,
                           hs_tree_packet, hs_tree_init, hs_tree_cleanup);
}

/* ======================================================================
 * 2. Flow Graph
 * ====================================================================== */
#if HS_FLOW_GRAPH

static tap_packet_status hs_flow_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                        const void *data, tap_flags_t flags _U_)
{
    hs_seq_info *sainfo = (hs_seq_info *)tapdata;
    const hs_tap_packet *t = (const hs_tap_packet *)data;
    const hs_result *r = t->r;
    const hs_conn *c = t->c;
    if (!sainfo || !r || !c || !r->label)
        return TAP_PACKET_DONT_REDRAW;

    hs_seq_item *sai = sequence_analysis_create_sai_with_addresses(pinfo, sainfo);
    if (!sai)
        return TAP_PACKET_DONT_REDRAW;

    /* The arrow gets the label alone: tshark cuts arrow labels at 20
     * characters (NODE_CHARS_WIDTH), which would cut the numbers too, and
     * the GUI elides them to the arrow's width.  The numbers and the step
     * go to the comment column. */
    const hs_label_info *li = hs_label_info_of((hs_label)r->label);
    bool rel = t->relative;
    char phrase[64];
    GString *comment = g_string_new(hs_step_phrase(r, phrase, sizeof phrase));
    if (r->flags & HS_RES_RETRANS)
        g_string_append(comment, " (retransmission)");
    const char *sep = ": ";
    if (li->seq_name) {
        g_string_append_printf(comment, "%s%s=%u", sep, li->seq_name, (unsigned)hs_label_value(r, c, false, rel));
        sep = " ";
    }
    if (li->ack_name)
        g_string_append_printf(comment, "%s%s=%u", sep, li->ack_name, (unsigned)hs_label_value(r, c, true, rel));
    if ((r->flags & HS_RES_CHECKED) && !(r->flags & HS_RES_VALID))
        g_string_append(comment, ", numbers do not check out");
    g_string_append_printf(comment, " (stream %u", c->stream);
    if (c->attempt > 1)
        g_string_append_printf(comment, " attempt %u", c->attempt);
    g_string_append_c(comment, ')');

    sai->frame_number = pinfo->num;
    sai->port_src = (guint16)pinfo->srcport;
    sai->port_dst = (guint16)pinfo->destport;
    sai->frame_label = g_strdup(li->text);
    sai->comment = g_string_free(comment, FALSE);
    sai->conv_num = (guint16)c->stream;
    sai->line_style = 1;
    sai->display = TRUE;
    g_queue_push_tail(sainfo->items, sai);
    return TAP_PACKET_REDRAW;
}

static void register_flow(void)
{
    register_seq_analysis(HS_TAP_NAME, "Handshake", proto_get_id_by_filter_name("hs"), NULL,
                          TL_REQUIRES_NOTHING, hs_flow_packet);
}

#else
static void register_flow(void)
{
}
#endif /* HS_FLOW_GRAPH */

void hs_reports_register_prefs(module_t *prefs)
{
    prefs_register_uint_preference(prefs, "report_top", "Rows in the report's failure lists",
        "How many responders and initiators the -z hs,tree report (Statistics > Handshake) lists under "
        "\"Responders with failed attempts\" and \"Initiators with failed attempts\", worst first; "
        "0 lists them all (-o hs.report_top:0).", 10, &pref_report_top);
}

void hs_reports_register(void)
{
    register_tree();
    register_flow();
}
