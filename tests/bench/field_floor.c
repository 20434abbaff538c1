/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * field_floor.c - a benchmark-only plugin, not part of Handshake.
 *
 * Question: what does it cost just to *read* TCP fields from a
 * post-dissector, before doing anything with them?  This post-dissector asks
 * for exactly the fields Handshake asks for under hs.two_pass (or, built
 * with -DFLOOR_OPTIONS, under hs.negotiation) (set_postdissector_wanted_hfids,
 * as packet-hs.c and Wireshark's TRANSUM do) and returns at once.  tshark
 * then builds a protocol tree for every packet even in summary mode
 * (postdissectors_want_hfids() is one of its create_proto_tree conditions),
 * so every dissector adds its items: that cost, with no plugin work on top,
 * is the floor of any post-dissector that reads decoded fields.
 *
 * Built and loaded by bench.py --floor (as its own plugin folder).
 */
#include <ws_version.h>
#include <epan/packet.h>

#define FLOOR_EXPORT __attribute__((visibility("default")))

FLOOR_EXPORT const char plugin_version[] = "0.0.0";
FLOOR_EXPORT const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
FLOOR_EXPORT const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
FLOOR_EXPORT void plugin_register(void);

/* The same lists as plugin/epan/tcp_input.c's in_names: the segment's fields
 * (what hs.two_pass asks for), and with FLOOR_OPTIONS the options' too
 * (what hs.negotiation asks for). */
static const char *const wanted_names[] = {
    "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.stream", "tcp.window_size", "icmp", "icmpv6",
    "tcp.options.mptcp.subtype",
#ifdef FLOOR_OPTIONS
    "tcp.option_kind", "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
    "tcp.options.tfo.request",
    "tcp.options.tfo.cookie",
#endif
};

static int proto_floor = -1;
static dissector_handle_t floor_handle;

static int dissect_floor(tvbuff_t *tvb _U_, packet_info *pinfo _U_, proto_tree *tree _U_, void *data _U_)
{
    return 0;
}

static void floor_init(void)
{
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (size_t i = 0; i < G_N_ELEMENTS(wanted_names); i++) {
        int hf = proto_registrar_get_id_byname(wanted_names[i]);
        if (hf > 0)
            g_array_append_val(wanted, hf);
    }
    set_postdissector_wanted_hfids(floor_handle, wanted);
}

static void floor_cleanup(void)
{
    set_postdissector_wanted_hfids(floor_handle, NULL);
}

static void floor_register(void)
{
    proto_floor = proto_register_protocol("Field-reading floor (benchmark only)", "HSFloor", "hsfloor");
    floor_handle = create_dissector_handle(dissect_floor, proto_floor);
    register_init_routine(floor_init);
    register_cleanup_routine(floor_cleanup);
}

static void floor_handoff(void)
{
    register_postdissector(floor_handle);
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = floor_register;
    plug.register_handoff = floor_handoff;
    proto_register_plugin(&plug);
}
