/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap_probe.c - a benchmark-only experiment, not part of Handshake.
 *
 * Question: what would the plugin cost if the first pass did not need a
 * protocol tree?  Today the post-dissector asks for TCP fields
 * (set_postdissector_wanted_hfids), which makes tshark build a tree for every
 * packet even in summary mode; the profile (README.md) shows that tree is
 * most of the plugin's cost.  This probe feeds the same engine from the
 * "tcp" tap instead (tcp_info_t carries th_rawseq, th_rawack, th_flags,
 * th_seglen, th_stream, addresses and ports), asks for no fields, and appends
 * the label to the Info column from the tap callback (tshark runs taps before
 * it prints the columns).  It adds no tree items: it measures the floor of a
 * tree-free first pass, not a replacement for packet-hs.c.
 *
 * Built and loaded by bench.py --probe (as its own plugin folder).
 */
#include <string.h>

#include <ws_version.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/column-utils.h>
#include <epan/dissectors/packet-tcp.h>

#include "engine.h"
#include "labels.h"

#define PROBE_EXPORT __attribute__((visibility("default")))

PROBE_EXPORT const char plugin_version[] = "0.0.0";
PROBE_EXPORT const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
PROBE_EXPORT const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
PROBE_EXPORT void plugin_register(void);

static int proto_probe = -1;
static hs_engine *engine;
static wmem_map_t *tuple_ids;
static guint32 n_tuple_ids;
static int tap_cookie;

typedef struct tuple_key { guint len; guint8 bytes[]; } tuple_key;

static guint tuple_hash(gconstpointer k)
{
    const tuple_key *t = (const tuple_key *)k;
    guint h = 2166136261u;
    for (guint i = 0; i < t->len; i++)
        h = (h ^ t->bytes[i]) * 16777619u;
    return h;
}

static gboolean tuple_equal(gconstpointer a, gconstpointer b)
{
    const tuple_key *x = (const tuple_key *)a, *y = (const tuple_key *)b;
    return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
}

static guint put_endpoint(guint8 *p, const address *a, guint32 port)
{
    guint n = (guint)MIN(a->len, 16);
    p[0] = (guint8)a->type;
    p[1] = (guint8)n;
    if (n)
        memcpy(p + 2, a->data, n);
    p[2 + n] = (guint8)(port >> 8);
    p[3 + n] = (guint8)port;
    return n + 4;
}

static guint32 tuple_id(const tcp_info_t *t, guint8 dir)
{
    guint8 buf[sizeof(tuple_key) + 2 * 20];
    tuple_key *k = (tuple_key *)(void *)buf;
    const address *lo = dir ? &t->ip_dst : &t->ip_src, *hi = dir ? &t->ip_src : &t->ip_dst;
    k->len = put_endpoint(k->bytes, lo, dir ? t->th_dport : t->th_sport);
    k->len += put_endpoint(k->bytes + k->len, hi, dir ? t->th_sport : t->th_dport);
    gpointer id = wmem_map_lookup(tuple_ids, k);
    if (id)
        return GPOINTER_TO_UINT(id);
    tuple_key *copy = (tuple_key *)wmem_memdup(wmem_file_scope(), k, sizeof *k + k->len);
    wmem_map_insert(tuple_ids, copy, GUINT_TO_POINTER(++n_tuple_ids));
    return n_tuple_ids;
}

static tap_packet_status probe_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    const tcp_info_t *t = (const tcp_info_t *)data;
    const hs_result *r;
    if (!engine || pinfo->flags.in_error_pkt)
        return TAP_PACKET_DONT_REDRAW;
    /* Taps run after dissect_record() has set fd->visited, even on the
     * first pass: "not analysed yet" is the engine's to say. */
    r = hs_engine_result(engine, pinfo->num);
    if (!r) {
        hs_segment seg;
        memset(&seg, 0, sizeof seg);
        seg.flags = t->th_flags;
        seg.seq = t->th_rawseq;
        seg.ack = t->th_rawack;
        seg.len = t->th_seglen;
        seg.have = HS_HAVE_SEQ | HS_HAVE_ACK | (t->th_have_seglen ? HS_HAVE_LEN : 0);
        seg.frame = pinfo->num;
        seg.time_ns = (int64_t)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
        seg.dir = t->th_sport != t->th_dport ? t->th_sport > t->th_dport
                                             : cmp_address(&t->ip_src, &t->ip_dst) > 0;
        if (!hs_engine_stream_seen(engine, t->th_stream))
            seg.tuple = tuple_id(t, seg.dir);
        r = hs_engine_add(engine, t->th_stream, &seg);
    }
    if (r && r->label)
        col_append_sep_str(pinfo->cinfo, COL_INFO, " ", hs_label_info_of((hs_label)r->label)->text);
    return TAP_PACKET_DONT_REDRAW;
}

static void probe_init(void)
{
    engine = hs_engine_new();
    n_tuple_ids = 0;
}

static void probe_cleanup(void)
{
    hs_engine_free(engine);
    engine = NULL;
}

static void probe_register(void)
{
    proto_probe = proto_register_protocol("Handshake tap probe (benchmark only)", "HSProbe", "hsprobe");
    register_init_routine(probe_init);
    register_cleanup_routine(probe_cleanup);
    tuple_ids = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), tuple_hash, tuple_equal);
}

static void probe_handoff(void)
{
    GString *err = register_tap_listener("tcp", &tap_cookie, NULL, TL_REQUIRES_NOTHING,
                                         NULL, probe_packet, NULL, NULL);
    if (err)
        g_string_free(err, TRUE);
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = probe_register;
    plug.register_handoff = probe_handoff;
    proto_register_plugin(&plug);
}
