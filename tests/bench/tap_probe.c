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
#include "tuple_ids.h"

#define PROBE_EXPORT __attribute__((visibility("default")))

PROBE_EXPORT const char plugin_version[] = "0.0.0";
PROBE_EXPORT const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
PROBE_EXPORT const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
PROBE_EXPORT void plugin_register(void);

static int proto_probe = -1;
static hs_engine *engine;
static hs_tuple_ids *tuples;
static int tap_cookie;

static hs_endpoint endpoint(const address *a, guint32 port)
{
    return (hs_endpoint){ a->data, (uint8_t)a->type, (uint8_t)MIN(a->len, 255), (uint16_t)port };
}

static tap_packet_status probe_packet(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    const tcp_info_t *t = (const tcp_info_t *)data;
    hs_result cached;
    const hs_result *r = &cached;
    if (!engine || pinfo->flags.in_error_pkt)
        return TAP_PACKET_DONT_REDRAW;
    /* Taps run after dissect_record() has set fd->visited, even on the
     * first pass: "not analysed yet" is the engine's to say. */
    if (!hs_engine_result(engine, pinfo->num, &cached)) {
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
        if (tuples && !hs_engine_stream_seen(engine, t->th_stream)) {
            hs_endpoint src = endpoint(&t->ip_src, t->th_sport), dst = endpoint(&t->ip_dst, t->th_dport);
            seg.tuple = seg.dir ? hs_tuple_id(tuples, &dst, &src) : hs_tuple_id(tuples, &src, &dst);
        }
        r = hs_engine_add(engine, t->th_stream, &seg);
    }
    if (r && r->label)
        col_append_sep_str(pinfo->cinfo, COL_INFO, " ", hs_label_info_of((hs_label)r->label)->text);
    return TAP_PACKET_DONT_REDRAW;
}

static void probe_init(void)
{
    engine = hs_engine_new();
    tuples = hs_tuple_ids_new();
}

static void probe_cleanup(void)
{
    hs_engine_free(engine);
    engine = NULL;
    hs_tuple_ids_free(tuples);
    tuples = NULL;
}

static void probe_register(void)
{
    proto_probe = proto_register_protocol("Handshake tap probe (benchmark only)", "HSProbe", "hsprobe");
    register_init_routine(probe_init);
    register_cleanup_routine(probe_cleanup);
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
