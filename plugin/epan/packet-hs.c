/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-hs.c - the Handshake post-dissector: the thin epan glue around the
 * connection engine (engine.c).
 *
 * First pass: read the TCP fields Wireshark already decoded (never the TCP
 * bytes), hand one segment summary to the engine, which caches the result
 * per frame.  Every pass (GUI clicks, tshark -2, re-taps with no tree): read
 * the cached result, add the tree and expert info, queue the tap.
 */
#include "hs_compat.h"

#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <wsutil/report_message.h>

#include "engine.h"
#include "accept.h"
#include "labels.h"
#include "negotiation.h"
#include "zeek.h"
#include "capture.h"
#include "packet-hs.h"
#include "reports.h"
#include "tcp_input.h"

static int proto_hs = -1;
static int hs_tap = -1;
static int expert_tap = -1;            /* Wireshark's own: Expert Info dialog, -z expert */
/* Wireshark's own expert fields: a filter or column on any of them wants
 * our Chat items too.  Resolved in hs_init (they are registered by then). */
static int hf_ws_expert[4] = { -1, -1, -1, -1 };
static dissector_handle_t hs_handle;
static hs_engine *engine;              /* per capture file: init .. cleanup (capture.c) */
/* The current packet's attempt where the engine keeps it packed: this
 * packet's dissection and tap callbacks read it, one packet at a time. */
static hs_conn conn_view;
static hs_pref_bool pref_relative = FALSE;
/* Where the step label goes in the Info column (hs.info_column). */
enum { HS_INFO_START, HS_INFO_END, HS_INFO_OFF };
static int pref_info_column = HS_INFO_START;
static char info_format[HS_LBL_COUNT][40];   /* info_formats_init() */
static hs_pref_bool pref_two_pass = FALSE;
static hs_pref_bool pref_negotiation = FALSE;
static bool options_read;              /* this file's analysis reads option values */
static bool blind;                     /* the first pass could not read TCP */
static guint32 last_analysed;          /* frame last given to the engine */
/* Zeek's likely_server_ports (as with its default scripts loaded): a
 * connection seen without its SYN is oriented towards these ports. */
#define HS_DEFAULT_SERVER_PORTS "21-23,25,53,80-81,88,110-111,135,139,143,389,443,445,465,502," \
    "513,563,585,587,614,631,636,989-990,992-993,995,1080,1812,3128,3306,3389,5060,5222-5223," \
    "5269,5432,6379,6666-6669,8000,8080,8888,20000"
static range_t *pref_server_ports;

/* Our fields. */
static int hf_step = -1, hf_label = -1, hf_seq = -1, hf_ack = -1, hf_valid = -1;
static int hf_retrans = -1, hf_answers = -1, hf_role = -1, hf_anomaly = -1;
static int hf_stream = -1, hf_attempt = -1, hf_initiator = -1, hf_responder = -1;
static int hf_state_init = -1, hf_state_resp = -1, hf_conn_state = -1, hf_history = -1;
static int hf_close_initiator = -1, hf_packets = -1, hf_duration = -1, hf_last = -1;
static int hf_rtt_syn_synack = -1, hf_rtt_synack_ack = -1, hf_rtt_handshake = -1, hf_rtt_note = -1;
static int hf_frame[HS_STEP_COUNT] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static int hf_opt_summary = -1, hf_opt_mss[2] = { -1, -1 }, hf_opt_wscale[2] = { -1, -1 };
static int hf_opt_ws = -1, hf_opt_sack = -1, hf_opt_ts = -1, hf_opt_ecn = -1, hf_opt_tfo = -1;
static int hf_opt_mptcp = -1, hf_opt_note = -1;
static int hf_accept = -1, hf_retry_delay = -1, hf_syn_retries = -1, hf_synack_retries = -1;
static int hf_connect_time = -1, hf_close_duration = -1, hf_vantage = -1;
static int hf_outcome = -1, hf_close_kind = -1;
static int hf_icmp_type = -1, hf_icmp_code = -1, hf_icmp_from = -1, hf_icmp_frame = -1;
static int hf_rst_origin = -1, hf_rst_ttl_delta = -1, hf_synack_ttl_delta = -1;
static int hf_first_data = -1, hf_first_response = -1;

static int ett_hs = -1, ett_step = -1, ett_conn = -1, ett_frames = -1, ett_rtt = -1, ett_nego = -1;
static int ett_timing = -1;

/* Expert info: one per engine anomaly, in enum hs_anomaly order. */
static expert_field ei_anomaly[HS_AN_COUNT];
static expert_field ei_open = EI_INIT, ei_close = EI_INIT;

static ei_register_info ei[] = {
/* Names come from hs_anomaly_name() (labels.c), filled in at registration. */
#define HS_EI(an, group, sev, text) \
    { &ei_anomaly[an], { NULL, group, sev, text, EXPFILL } }
    HS_EI(HS_AN_SYN_RETRANS,      PI_SEQUENCE, PI_NOTE, "SYN retransmitted"),
    HS_EI(HS_AN_SYNACK_RETRANS,   PI_SEQUENCE, PI_NOTE, "SYN+ACK retransmitted"),
    HS_EI(HS_AN_FIN_RETRANS,      PI_SEQUENCE, PI_NOTE, "FIN retransmitted"),
    HS_EI(HS_AN_SYNACK_BAD_ACK,   PI_SEQUENCE, PI_WARN, "SYN+ACK does not acknowledge x+1"),
    HS_EI(HS_AN_SYNACK_BAD_SEQ,   PI_SEQUENCE, PI_WARN, "SYN+ACK with another initial sequence number than before"),
    HS_EI(HS_AN_ACK_BAD,          PI_SEQUENCE, PI_WARN, "Handshake ACK does not acknowledge y+1 (or its seq is not x+1)"),
    HS_EI(HS_AN_REFUSED,          PI_SEQUENCE, PI_WARN, "Connection refused: RST answering the SYN"),
    HS_EI(HS_AN_SYN_UNANSWERED,   PI_SEQUENCE, PI_WARN, "SYN never answered"),
    HS_EI(HS_AN_HS_INCOMPLETE,    PI_SEQUENCE, PI_WARN, "Handshake never completed: SYN+ACK never acknowledged"),
    HS_EI(HS_AN_NO_HANDSHAKE,     PI_SEQUENCE, PI_NOTE, "Connection seen without its handshake (capture started mid-stream)"),
    HS_EI(HS_AN_SYN_MISSING,      PI_SEQUENCE, PI_NOTE, "SYN+ACK seen without the SYN (capture started after it)"),
    HS_EI(HS_AN_SYN_DATA,         PI_PROTOCOL, PI_NOTE, "Data on SYN (TCP Fast Open)"),
    HS_EI(HS_AN_DATA_AFTER_FIN,   PI_PROTOCOL, PI_WARN, "Data sent after the sender's own FIN"),
    HS_EI(HS_AN_FIN_UNACKED,      PI_SEQUENCE, PI_WARN, "FIN never acknowledged"),
    HS_EI(HS_AN_RST_ABORT,        PI_SEQUENCE, PI_WARN, "Connection aborted: RST of an established connection"),
    HS_EI(HS_AN_PORT_REUSE,       PI_SEQUENCE, PI_NOTE, "Port reuse: new connection attempt on the same 4-tuple"),
    HS_EI(HS_AN_SIM_OPEN,         PI_SEQUENCE, PI_NOTE, "Simultaneous open: SYN crossing SYN"),
    HS_EI(HS_AN_SIM_CLOSE,        PI_SEQUENCE, PI_NOTE, "Simultaneous close: FIN crossing FIN"),
    HS_EI(HS_AN_BAD_FLAGS,        PI_PROTOCOL, PI_WARN, "Impossible flag combination"),
    HS_EI(HS_AN_SYNACK_WRONG_DIR, PI_SEQUENCE, PI_WARN, "SYN+ACK sent by the initiator"),
    HS_EI(HS_AN_OPT_UNSOLICITED,  PI_PROTOCOL, PI_WARN, "SYN+ACK grants window scaling, SACK or timestamps the SYN did not offer"),
    HS_EI(HS_AN_OPT_WSCALE_BIG,   PI_PROTOCOL, PI_WARN, "Window scale shift above 14 (RFC 7323: used as 14)"),
    HS_EI(HS_AN_OPT_ECN_UNSOLICITED, PI_PROTOCOL, PI_WARN, "ECN-setup SYN+ACK answering a SYN that did not ask for ECN"),
    HS_EI(HS_AN_OPT_TS_MISSING,   PI_PROTOCOL, PI_WARN, "Timestamps in use, but this segment carries none (RFC 7323: the receiver may drop it)"),
    HS_EI(HS_AN_OPT_MSS_NON_SYN,  PI_PROTOCOL, PI_NOTE, "MSS option on a segment without SYN (ignored by the receiver)"),
    HS_EI(HS_AN_RST_OUT_OF_WINDOW, PI_SEQUENCE, PI_WARN, "RST its receiver drops: outside its window, not acknowledging its SYN, or not at RCV.NXT in TIME_WAIT (stale or injected)"),
    HS_EI(HS_AN_RST_CHALLENGE,    PI_SEQUENCE, PI_NOTE, "RST its receiver answers with an ACK instead: in its window but not at RCV.NXT (RFC 5961 challenge ACK)"),
    HS_EI(HS_AN_RST_DATA,         PI_PROTOCOL, PI_NOTE, "RST carrying data (RFC 9293 section 3.5.3)"),
    HS_EI(HS_AN_SYN_IN_CONN,      PI_SEQUENCE, PI_WARN, "SYN meeting a synchronized connection (CLOSE_WAIT and TIME_WAIT included): the receiver answers with a challenge ACK"),
    HS_EI(HS_AN_REVIVED,          PI_SEQUENCE, PI_WARN, "The handshake or data goes on after the attempt was refused or reset"),
    HS_EI(HS_AN_DATA_EARLY,       PI_SEQUENCE, PI_NOTE, "Data before the handshake completed"),
    HS_EI(HS_AN_DATA_NONE,        PI_SEQUENCE, PI_NOTE, "Established connection closed with no payload either way"),
    HS_EI(HS_AN_ICMP_UNREACHABLE, PI_SEQUENCE, PI_WARN, "An ICMP/ICMPv6 error (destination unreachable, administratively prohibited or time exceeded) answers a segment of the attempt"),
    HS_EI(HS_AN_RST_INJECTED,     PI_SECURITY, PI_WARN, "RST whose hop count or IP ID does not fit its sender's other packets: sent by a middlebox (or injected)"),
    HS_EI(HS_AN_SYNACK_PROXY,     PI_SEQUENCE, PI_NOTE, "The SYN+ACK's hop count differs from the responder's later packets: a SYN proxy or a TCP-terminating middlebox answered the SYN"),
    HS_EI(HS_AN_LISTEN_OVERFLOW,  PI_SEQUENCE, PI_WARN, "The responder answers the handshake's ACK with its SYN+ACK again (or an RST): its accept queue was full (or the ACK was lost after the capture point)"),
    HS_EI(HS_AN_SEG_OVER_MSS,     PI_PROTOCOL, PI_NOTE, "Payload larger than the MSS its receiver announced: segmentation offload at the capture host, or a middlebox"),
    HS_EI(HS_AN_SACK_OUT_OF_RANGE, PI_PROTOCOL, PI_WARN, "SACK block outside the data its receiver sent: a middlebox rewrote sequence numbers but not SACK"),
#undef HS_EI
    { &ei_open,  { "hs.open",  PI_SEQUENCE, PI_CHAT, "Opening handshake step", EXPFILL } },
    { &ei_close, { "hs.close", PI_SEQUENCE, PI_CHAT, "Close step", EXPFILL } },
};

/* ---- the first pass: one segment to the engine ------------------------------ */

/* 0: the lower endpoint (port, then address) sent it; 1: the other one.
 * Fixed per stream, so no per-stream storage is needed to know direction. */
static guint8 direction(const hs_input *in)
{
    if (in->sport != in->dport)
        return in->sport > in->dport;
    return cmp_address(in->src, in->dst) > 0;
}

/* Nanoseconds since the epoch, saturated: a crafted pcapng can carry a
 * timestamp past the year 2262. */
static int64_t time_ns(const nstime_t *t)
{
    const int64_t max_secs = INT64_MAX / 1000000000 - 1;
    int64_t secs = (int64_t)t->secs;
    secs = secs > max_secs ? max_secs : secs < -max_secs ? -max_secs : secs;
    return secs * 1000000000 + t->nsecs;
}

static uint8_t port_hint(const hs_input *in)
{
    return (uint8_t)((value_is_in_range(pref_server_ports, in->sport) ? HS_HINT_SPORT_SERVER : 0) |
                     (value_is_in_range(pref_server_ports, in->dport) ? HS_HINT_DPORT_SERVER : 0) |
                     (in->sport < in->dport ? HS_HINT_SPORT_LOWER : 0) |
                     (in->sport == in->dport ? HS_HINT_PORTS_EQUAL : 0));
}

static const hs_result *analyse(packet_info *pinfo, const hs_input *in)
{
    hs_segment seg = in->seg;
    seg.frame = pinfo->num;
    seg.time_ns = time_ns(&pinfo->abs_ts);
    seg.dir = direction(in);
    if (!hs_engine_stream_seen(engine, in->stream)) {
        seg.tuple = hs_capture_tuple_id(in->src, in->sport, in->dst, in->dport, seg.dir);
        seg.hint = port_hint(in);
    }
    return hs_engine_add(engine, in->stream, &seg);
}

/* An ICMP error: linked to the attempt whose segment it quotes, if any. */
static const hs_result *analyse_icmp(packet_info *pinfo, const hs_quoted *q)
{
    hs_icmp m = { time_ns(&pinfo->abs_ts), pinfo->num, q->v6, q->type, q->code, q->seg };
    const hs_result *r = hs_engine_icmp(engine, q->stream, &m);
    if (r)
        hs_capture_keep_icmp_from(pinfo->num, q->from);
    return r;
}

/* tshark -2 dissects its first pass without taps, where the segment comes
 * from, and without a tree unless the two_pass preference asks for one.
 * Say so once, then analyse on the second pass, which runs taps: values as
 * of each packet, as in a single pass, rather than nothing. */
static void first_pass_blind(void)
{
    if (blind)
        return;
    blind = true;
    report_warning("Handshake: tshark -2 runs its first pass without taps, where this plugin reads TCP, "
                   "so connection fields show values as of each packet (as in one pass), without final "
                   "values or hs.conn.last, and a read filter (-R) on hs fields matches nothing. For final "
                   "values, add -o hs.two_pass:TRUE (a protocol tree on every first pass).");
}

/* The result of this frame: cached, or computed now.  A frame is analysed
 * once, in capture order: on the first pass, or, where that pass was blind,
 * on the next one. */
static const hs_result *result_of(packet_info *pinfo, proto_tree *tree)
{
    static hs_result cached;   /* this packet's, until the next one: the hs tap reads it */
    if (hs_engine_result(engine, pinfo->num, &cached))
        return &cached;
    if (!engine || (PINFO_FD_VISITED(pinfo) && (!blind || pinfo->num <= last_analysed)))
        return NULL;
    hs_input in;
    hs_quoted q;
    switch (hs_input_read(pinfo, tree, &in, &q)) {
    case HS_READ_OK:
        last_analysed = pinfo->num;
        return analyse(pinfo, &in);
    case HS_READ_QUOTED:
        last_analysed = pinfo->num;
        return analyse_icmp(pinfo, &q);
    case HS_READ_BLIND:
        first_pass_blind();
        return NULL;
    default:
        return NULL;
    }
}

/* Whether connection values are final: everything was read before this pass. */
static bool final_values(const packet_info *pinfo)
{
    return PINFO_FD_VISITED(pinfo) && !blind;
}

/* ---- the tree ------------------------------------------------------------ */

static void add_time(proto_tree *tree, tvbuff_t *tvb, int hf, int64_t ns)
{
    nstime_t t;
    t.secs = (time_t)(ns / 1000000000);
    t.nsecs = (int)(ns % 1000000000);
    proto_item_set_generated(proto_tree_add_time(tree, hf, tvb, 0, 0, &t));
}

/* Retries, how long the application waited for the handshake, how long
 * the close took, and where the capture was taken. */
static void add_timing(proto_tree *tree, tvbuff_t *tvb, const hs_conn *c)
{
    proto_tree *tt = proto_tree_add_subtree(tree, tvb, 0, 0, ett_timing, NULL, "Timing");
    if (c->syn_ns)
        proto_item_set_generated(proto_tree_add_uint(tt, hf_syn_retries, tvb, 0, 0,
                                                     c->side[HS_INITIATOR].retries));
    if (c->side[HS_RESPONDER].flags & HS_SIDE_SYNACK)
        proto_item_set_generated(proto_tree_add_uint(tt, hf_synack_retries, tvb, 0, 0,
                                                     c->side[HS_RESPONDER].retries));
    if (c->syn_ns && c->open_ns)
        add_time(tt, tvb, hf_connect_time, c->open_ns - c->syn_ns);
    if (c->fin_ns && c->closed_ns)
        add_time(tt, tvb, hf_close_duration, c->closed_ns - c->fin_ns);
    if (c->data_ns && c->open_ns)
        add_time(tt, tvb, hf_first_data, c->data_ns - c->open_ns);
    if (c->response_ns)
        add_time(tt, tvb, hf_first_response, c->response_ns - c->data_ns);
    hs_vantage v = hs_vantage_of(c);
    if (v != HS_VANTAGE_NONE)
        proto_item_set_generated(proto_tree_add_string(tt, hf_vantage, tvb, 0, 0, hs_vantage_name(v)));
}

/* Why the attempt ended as it did, and how it closed (SPEC section 10):
 * final once the file has been read, else as of this packet. */
static void add_outcome(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const hs_conn *c)
{
    hs_outcome o = hs_outcome_of(c, final_values(pinfo) ? hs_engine_last_ns(engine) : c->last_ns);
    if (o != HS_OUT_NONE)
        proto_item_set_generated(proto_tree_add_string(tree, hf_outcome, tvb, 0, 0, hs_outcome_name(o)));
    hs_close_kind k = hs_close_kind_of(c);
    if (k != HS_CK_NONE)
        proto_item_set_generated(proto_tree_add_string(tree, hf_close_kind, tvb, 0, 0, hs_close_kind_name(k)));
}

static inline bool kept(proto_tree *tree, int hf);

/* Who stopped it: the ICMP error that answered it, and whether the same
 * host sent the SYN+ACK and the responder's later packets. */
static void add_diagnosis(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const hs_conn *c)
{
    if (c->icmp_frame) {
        proto_item_set_generated(proto_tree_add_uint(tree, hf_icmp_frame, tvb, 0, 0, c->icmp_frame));
        proto_item_set_generated(proto_tree_add_uint(tree, hf_icmp_type, tvb, 0, 0, c->icmp_type));
        proto_item_set_generated(proto_tree_add_uint(tree, hf_icmp_code, tvb, 0, 0, c->icmp_code));
        const hs_capture_endpoint *from = hs_capture_icmp_from(c->icmp_frame);
        if (from && kept(tree, hf_icmp_from)) {
            GString *s = g_string_new(NULL);
            hs_capture_put_endpoint(s, from, false);
            proto_item_set_generated(proto_tree_add_string(tree, hf_icmp_from, tvb, 0, 0,
                                                           wmem_strdup(HS_PACKET_POOL(pinfo), s->str)));
            g_string_free(s, TRUE);
        }
    }
    if (c->flags & HS_CONN_SYNACK_TTL)
        proto_item_set_generated(proto_tree_add_int(tree, hf_synack_ttl_delta, tvb, 0, 0, c->synack_ttl_delta));
}

/* Our fields' header_field_info by id (our_first + i), kept at
 * registration: kept() asks them what proto_field_is_referenced() would,
 * without a library call per field (a filter's fake tree asks about 45 a
 * packet). */
static const header_field_info **our_hfi;
static int our_first, our_count;

static void our_fields_init(const hf_register_info *hf, int n)
{
    int lo = *hf[0].p_id, hi = lo;
    for (int i = 1; i < n; i++) {
        lo = MIN(lo, *hf[i].p_id);
        hi = MAX(hi, *hf[i].p_id);
    }
    our_hfi = (const header_field_info **)wmem_alloc0(wmem_epan_scope(), (size_t)(hi - lo + 1) * sizeof *our_hfi);
    our_first = lo;
    our_count = hi - lo + 1;
    for (int i = 0; i < n; i++)
        our_hfi[*hf[i].p_id - lo] = &hf[i].hfinfo;
}

/* Whether an item of field hf is kept: always in a visible tree; in the
 * fake trees of -Y and -T fields' fields only when that field is asked for
 * (referenced by a filter, column or -e: its ref_type is set).  A string
 * for an item nobody keeps is not built, nor a fake item added. */
static inline bool kept(proto_tree *tree, int hf)
{
    if (!tree)
        return false;
    if (PTREE_DATA(tree)->visible)
        return true;
    unsigned i = (unsigned)(hf - our_first);
    if (i < (unsigned)our_count && our_hfi[i])
        return our_hfi[i]->ref_type != HF_REF_TYPE_NONE;
    return proto_field_is_referenced(tree, hf);
}

/* The fields of the Connection and Negotiation subtrees: in a fake tree
 * that keeps none of them, the subtree is not built at all (a filter on
 * hs.step need not pay for thirty items it drops). */
static const int *const conn_fields[] = {
    &hf_stream, &hf_attempt, &hf_initiator, &hf_responder, &hf_outcome, &hf_close_kind, &hf_conn_state, &hf_history,
    &hf_close_initiator, &hf_icmp_frame, &hf_icmp_type, &hf_icmp_code, &hf_icmp_from, &hf_synack_ttl_delta,
    &hf_first_data, &hf_first_response,
    &hf_packets, &hf_duration, &hf_last, &hf_rtt_syn_synack, &hf_rtt_synack_ack, &hf_rtt_handshake,
    &hf_rtt_note, &hf_syn_retries, &hf_synack_retries, &hf_connect_time, &hf_close_duration, &hf_vantage,
    &hf_frame[HS_STEP_SYN], &hf_frame[HS_STEP_SYNACK], &hf_frame[HS_STEP_ACK], &hf_frame[HS_STEP_FIN1],
    &hf_frame[HS_STEP_ACK1], &hf_frame[HS_STEP_FIN2], &hf_frame[HS_STEP_ACK2], NULL,
};
static const int *const nego_fields[] = {
    &hf_opt_summary, &hf_opt_mss[0], &hf_opt_mss[1], &hf_opt_wscale[0], &hf_opt_wscale[1], &hf_opt_ws,
    &hf_opt_sack, &hf_opt_ts, &hf_opt_ecn, &hf_opt_tfo, &hf_opt_mptcp, &hf_opt_note, NULL,
};

/* The same lists as header_field_info pointers (our_fields_init), for
 * any_kept(): asked on every packet of a filter, where none is kept. */
static const header_field_info *conn_hfi[G_N_ELEMENTS(conn_fields)];
static const header_field_info *nego_hfi[G_N_ELEMENTS(nego_fields)];

static void field_list_init(const int *const *ids, const header_field_info **hfi)
{
    for (; *ids; ids++)
        *hfi++ = our_hfi[**ids - our_first];
    *hfi = NULL;
}

static bool any_kept(proto_tree *tree, const header_field_info *const *hfi)
{
    if (!tree)
        return false;
    if (PTREE_DATA(tree)->visible)
        return true;
    for (; *hfi; hfi++)
        if ((*hfi)->ref_type != HF_REF_TYPE_NONE)
            return true;
    return false;
}

static void add_endpoint(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int hf, const address *a,
                         guint32 port)
{
    if (!kept(tree, hf))
        return;
    const char *fmt = a->type == AT_IPv6 ? "[%s]:%u" : "%s:%u";
    proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, 0, 0,
        wmem_strdup_printf(HS_PACKET_POOL(pinfo), fmt, address_to_str(HS_PACKET_POOL(pinfo), a), port)));
}

static void add_endpoints(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const hs_result *r)
{
    bool from_init = !(r->flags & HS_RES_RESPONDER);
    add_endpoint(tree, tvb, pinfo, hf_initiator, from_init ? &pinfo->src : &pinfo->dst,
                 from_init ? pinfo->srcport : pinfo->destport);
    add_endpoint(tree, tvb, pinfo, hf_responder, from_init ? &pinfo->dst : &pinfo->src,
                 from_init ? pinfo->destport : pinfo->srcport);
}

static void add_rtt(proto_tree *tree, tvbuff_t *tvb, const hs_conn *c)
{
    const int64_t *t = c->step_ns;
    if (!(t[HS_STEP_SYN] && t[HS_STEP_SYNACK]) && !(t[HS_STEP_SYNACK] && t[HS_STEP_ACK]) &&
        !(c->flags & (HS_CONN_SYN_RETX | HS_CONN_SYNACK_RETX)))
        return;
    proto_tree *sub = proto_tree_add_subtree(tree, tvb, 0, 0, ett_rtt, NULL, "Handshake round trip");
    if (t[HS_STEP_SYN] && t[HS_STEP_SYNACK])
        add_time(sub, tvb, hf_rtt_syn_synack, t[HS_STEP_SYNACK] - t[HS_STEP_SYN]);
    if (t[HS_STEP_SYNACK] && t[HS_STEP_ACK])
        add_time(sub, tvb, hf_rtt_synack_ack, t[HS_STEP_ACK] - t[HS_STEP_SYNACK]);
    if (t[HS_STEP_SYN] && t[HS_STEP_SYNACK] && t[HS_STEP_ACK])
        add_time(sub, tvb, hf_rtt_handshake, t[HS_STEP_ACK] - t[HS_STEP_SYN]);
    /* A leg measured before any retransmission is still unambiguous. */
    if ((c->flags & HS_CONN_SYN_RETX) && !(t[HS_STEP_SYN] && t[HS_STEP_SYNACK]))
        proto_item_set_generated(proto_tree_add_string(sub, hf_rtt_note, tvb, 0, 0,
            "SYN retransmitted: SYN to SYN+ACK time not measured (ambiguous which SYN was answered)"));
    if ((c->flags & HS_CONN_SYNACK_RETX) && !(t[HS_STEP_SYNACK] && t[HS_STEP_ACK]))
        proto_item_set_generated(proto_tree_add_string(sub, hf_rtt_note, tvb, 0, 0,
            "SYN+ACK retransmitted: SYN+ACK to ACK time not measured (ambiguous which SYN+ACK was answered)"));
}

static void add_bool(proto_tree *tree, tvbuff_t *tvb, int hf, bool v)
{
    proto_item_set_generated(proto_tree_add_boolean(tree, hf, tvb, 0, 0, v));
}

/* The Negotiation subtree: the summary, then each side's offer and each
 * outcome once it is known.  Without option values (the negotiation
 * preference off) it says how to get them. */
static void add_negotiation(proto_tree *tree, tvbuff_t *tvb, const hs_conn *c)
{
    char text[160] = "";
    if (!hs_nego_offer_seen(c, HS_INITIATOR) && !hs_nego_offer_seen(c, HS_RESPONDER))
        return;                                   /* no SYN nor SYN+ACK: nothing negotiated */
    if (kept(tree, hf_opt_summary))
        hs_nego_summary(c, text, sizeof text);
    proto_item *ti = proto_tree_add_string_format(tree, hf_opt_summary, tvb, 0, 0, text, "Negotiation: %s", text);
    proto_item_set_generated(ti);
    proto_tree *nt = proto_item_add_subtree(ti, ett_nego);
    for (int role = HS_INITIATOR; role <= HS_RESPONDER; role++) {
        const hs_side *sd = &c->side[role];
        if (!hs_nego_offer_read(c, role))
            continue;
        if (sd->offer & HS_OPT_MSS)
            proto_item_set_generated(proto_tree_add_uint(nt, hf_opt_mss[role], tvb, 0, 0, sd->mss));
        if (sd->offer & HS_OPT_WS)
            proto_item_set_generated(proto_tree_add_uint(nt, hf_opt_wscale[role], tvb, 0, 0, sd->wscale));
    }
    if (hs_nego_complete(c) && hs_nego_options_read(c)) {
        add_bool(nt, tvb, hf_opt_ws, hs_nego_in_use(c, HS_OPT_WS));
        add_bool(nt, tvb, hf_opt_sack, hs_nego_in_use(c, HS_OPT_SACKP));
        add_bool(nt, tvb, hf_opt_ts, hs_nego_in_use(c, HS_OPT_TS));
    }
    hs_ecn_mode ecn = hs_nego_ecn(c);
    if (ecn != HS_ECN_UNKNOWN)
        proto_item_set_generated(proto_tree_add_string(nt, hf_opt_ecn, tvb, 0, 0, hs_ecn_name(ecn)));
    hs_tfo_mode tfo = hs_nego_tfo(c);
    if (tfo != HS_TFO_UNKNOWN)
        proto_item_set_generated(proto_tree_add_string(nt, hf_opt_tfo, tvb, 0, 0, hs_tfo_name(tfo)));
    if (hs_nego_complete(c))
        add_bool(nt, tvb, hf_opt_mptcp, hs_nego_in_use(c, HS_OPT_MPC));
    if (!options_read)
        proto_item_set_generated(proto_tree_add_string(nt, hf_opt_note, tvb, 0, 0,
            "MSS, window scale, SACK, timestamps and Fast Open cookies not analysed: turn on "
            "Handshake's \"Analyse option negotiation\" preference (-o hs.negotiation:TRUE)"));
}

static void add_connection(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const hs_result *r, const hs_conn *c)
{
    proto_item *ti;
    proto_tree *ct = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_conn, &ti,
        "Connection: stream %u attempt %u, %s", c->stream, c->attempt,
        hs_conn_state_name(hs_conn_state_of(c)));
    proto_item_set_generated(ti);
    proto_item_set_generated(proto_tree_add_uint(ct, hf_stream, tvb, 0, 0, c->stream));
    proto_item_set_generated(proto_tree_add_uint(ct, hf_attempt, tvb, 0, 0, c->attempt));
    if (!hs_label_is_icmp(r->label))
        add_endpoints(ct, tvb, pinfo, r);
    proto_item_set_generated(proto_tree_add_string(ct, hf_conn_state, tvb, 0, 0,
        hs_conn_state_name(hs_conn_state_of(c))));
    proto_item_set_generated(proto_tree_add_string(ct, hf_history, tvb, 0, 0, hs_history_of(c)));
    if (c->closer != HS_ROLE_NONE)
        proto_item_set_generated(proto_tree_add_string(ct, hf_close_initiator, tvb, 0, 0,
            hs_role_name((enum hs_role)c->closer)));
    proto_item_set_generated(proto_tree_add_uint(ct, hf_packets, tvb, 0, 0, c->packets));
    add_time(ct, tvb, hf_duration, c->last_ns - c->first_ns);

    proto_tree *ft = proto_tree_add_subtree(ct, tvb, 0, 0, ett_frames, NULL, "Step frames");
    for (int s = HS_STEP_SYN; s < HS_STEP_COUNT; s++)
        if (c->step_frame[s])
            proto_item_set_generated(proto_tree_add_uint(ft, hf_frame[s], tvb, 0, 0, c->step_frame[s]));
    add_rtt(ct, tvb, c);
    add_timing(ct, tvb, c);
    add_outcome(ct, tvb, pinfo, c);
    add_diagnosis(ct, tvb, pinfo, c);
    if (final_values(pinfo) && pinfo->num == c->last_frame)
        proto_item_set_generated(proto_tree_add_boolean(ct, hf_last, tvb, 0, 0, TRUE));
}

/* The step item: the sentence with the numbers, then its parts. */
static proto_item *add_step(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const hs_result *r, const hs_conn *c)
{
    char text[160] = "";
    const hs_label_info *li = hs_label_info_of((hs_label)r->label);
    const char *label = li->text;
    if (kept(tree, hf_label)) {
        if (r->flags & HS_RES_RETRANS)
            label = wmem_strdup_printf(HS_PACKET_POOL(pinfo), "%s (retransmission)", li->text);
        hs_describe(r, c, pref_relative, text, sizeof text);
    }
    proto_item *ti = proto_tree_add_string_format(tree, hf_label, tvb, 0, 0, label, "%s", text);
    proto_item_set_generated(ti);
    proto_tree *st = proto_item_add_subtree(ti, ett_step);
    for (int i = 0; i < 2 && r->step[i]; i++)
        proto_item_set_generated(proto_tree_add_uint(st, hf_step, tvb, 0, 0, r->step[i]));
    if (li->seq_name && kept(st, hf_seq)) {
        uint32_t v = hs_label_value(r, c, false, pref_relative);
        proto_item_set_generated(proto_tree_add_uint_format(st, hf_seq, tvb, 0, 0, v, "%s: %u", li->seq_name, v));
    }
    if (li->ack_name && kept(st, hf_ack)) {
        uint32_t v = hs_label_value(r, c, true, pref_relative);
        proto_item_set_generated(proto_tree_add_uint_format(st, hf_ack, tvb, 0, 0, v, "%s: %u", li->ack_name, v));
    }
    if ((r->flags & HS_RES_CHECKED) && kept(st, hf_valid))
        proto_item_set_generated(proto_tree_add_boolean(st, hf_valid, tvb, 0, 0, r->flags & HS_RES_VALID));
    if ((r->flags & HS_RES_RETRANS) && kept(st, hf_retrans))
        proto_item_set_generated(proto_tree_add_boolean(st, hf_retrans, tvb, 0, 0, TRUE));
    if (r->answers && kept(st, hf_answers))
        proto_item_set_generated(proto_tree_add_uint(st, hf_answers, tvb, 0, 0, r->answers));
    if (r->retry_us && kept(st, hf_retry_delay))
        add_time(st, tvb, hf_retry_delay, (int64_t)r->retry_us * 1000);
    return ti;
}

/* hs.accept.  Linux's PAWS check can drop a SYN, FIN or SYN+ACK the other
 * rules take (RSTs are exempt); where timestamp values were not read, the
 * item says the verdict is without it. */
static const bool rst_label[HS_LBL_COUNT] = {
    [HS_LBL_RST_REFUSED] = true, [HS_LBL_RST_HANDSHAKE] = true, [HS_LBL_RST_ABORT] = true,
    [HS_LBL_RST_CLOSED] = true, [HS_LBL_RST] = true, [HS_LBL_SYN_RST] = true,
    [HS_LBL_RST_CHALLENGED] = true, [HS_LBL_RST_IGNORED] = true,
};

static void add_accept(proto_tree *tree, tvbuff_t *tvb, const hs_result *r)
{
    proto_item *it = proto_tree_add_string(tree, hf_accept, tvb, 0, 0, hs_accept_name((hs_accept)r->accept));
    proto_item_set_generated(it);
    if (!options_read && r->label < HS_LBL_COUNT && !rst_label[r->label])
        proto_item_append_text(it, " (timestamps not read: PAWS not checked)");
}

static bool ws_expert_kept(proto_tree *tree)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hf_ws_expert); i++)
        if (hf_ws_expert[i] > 0 && kept(tree, hf_ws_expert[i]))
            return true;
    return false;
}

/* Whether a normal step's Chat item can be seen: in a visible tree, in a
 * fake one (-Y, -T fields' fields) that asks for it or for expert fields,
 * by an Expert Info listener, or in an Expert column.  Otherwise the call
 * only costs: in tshark's summary mode it was a third of the plugin's time
 * (a cold walk through the expert code on 7 packets in 10; tests/bench).
 * Anomalies are always reported. */
static bool chat_seen(packet_info *pinfo, proto_tree *tree)
{
    return kept(tree, ei_open.hf) || kept(tree, ei_close.hf) || ws_expert_kept(tree) ||
           have_tap_listener(expert_tap) || col_get_text(pinfo->cinfo, COL_EXPERT);
}

/* hs.rst.injected with its evidence: the hop counts, the IP IDs. */
static void rst_evidence(packet_info *pinfo, proto_item *ti, const hs_result *r)
{
    char ttl[96] = "", ipid[96] = "";
    if (r->evidence & HS_EVID_TTL)
        snprintf(ttl, sizeof ttl, "; hop count %u, %+d from its sender's other packets",
                 (unsigned)r->ttl, (int)r->ttl_delta);
    if (r->evidence & HS_EVID_IPID)
        snprintf(ipid, sizeof ipid, "; IP ID 0x%04x does not follow its sender's 0x%04x",
                 (unsigned)r->ipid, (unsigned)r->ipid_last);
    expert_add_info_format(pinfo, ti, &ei_anomaly[HS_AN_RST_INJECTED],
                           "RST from a middlebox suspected%s%s", ttl, ipid);
}

static void add_expert(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, proto_item *ti, hs_anomalies anomalies,
                       const hs_result *r)
{
    if (r->step[0] && chat_seen(pinfo, tree))
        expert_add_info(pinfo, ti, r->step[0] <= HS_STEP_ACK ? &ei_open : &ei_close);
    /* Most packets have none: stop past the highest bit set. */
    for (int a = 0; a < HS_AN_COUNT && (anomalies >> a); a++) {
        if (!(anomalies & HS_AN_BIT(a)))
            continue;
        if (a == HS_AN_RST_INJECTED)
            rst_evidence(pinfo, ti, r);
        else
            expert_add_info(pinfo, ti, &ei_anomaly[a]);
        if (tree)   /* hs.anomaly: the expert's short name, for -T fields and columns */
            proto_item_set_generated(proto_tree_add_string(tree, hf_anomaly, tvb, 0, 0,
                hs_anomaly_name((enum hs_anomaly)a) + 3));
    }
}

/* The step label in the Info column, where the eye goes first: at the start,
 * fenced, as TCP's own "[TCP Retransmission] " is, so that a dissector
 * running after us (another post-dissector) can add to the column but not
 * clear it.  The end of the column is often past its edge (after TCP's
 * option text), hence the default.  Without columns (-T fields) nothing is
 * written, nor built; the col_ functions themselves skip an Info column
 * that is not shown. */
static void label_info_column(packet_info *pinfo, hs_label label)
{
    if (!pinfo->cinfo)
        return;
    if (pref_info_column == HS_INFO_START) {
        /* Not a literal, but our own text (info_formats_init). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
#endif
        col_prepend_fence_fstr(pinfo->cinfo, COL_INFO, info_format[label]);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    } else if (pref_info_column == HS_INFO_END)
        col_append_sep_str(pinfo->cinfo, COL_INFO, " ", hs_label_info_of(label)->text);
}

/* The prepend formats: each label and a space, with any '%' doubled.  The
 * format itself is the text, so no "%s" conversion runs on every labelled
 * packet (vsnprintf with one took a third of the prepend's cost). */
static void info_formats_init(void)
{
    for (int l = 0; l < HS_LBL_COUNT; l++) {
        const char *t = hs_label_info_of((hs_label)l)->text;
        size_t n = 0;
        for (; *t && n + 4 < sizeof info_format[l]; t++) {
            if (*t == '%')
                info_format[l][n++] = '%';
            info_format[l][n++] = *t;
        }
        info_format[l][n++] = ' ';
        info_format[l][n] = '\0';
    }
}

static int dissect_hs(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const hs_result *r = result_of(pinfo, tree);
    if (!r || !r->conn)
        return 0;
    const hs_conn *c = hs_engine_conn(engine, r->conn, &conn_view);
    const hs_label_info *li = hs_label_info_of((hs_label)r->label);
    /* Verdicts that need the future are known once the file has been read. */
    hs_anomalies anomalies = r->anomalies |
        (final_values(pinfo) ? hs_final_anomalies(c, r, pinfo->num) : 0);

    if (r->label)
        label_info_column(pinfo, (hs_label)r->label);

    /* Our expert items hang on our tree item: a filter or column on
     * Wireshark's own expert fields needs it even if it names none of ours. */
    proto_item *ti = NULL;
    proto_tree *ht = NULL;
    if (proto_field_is_referenced(tree, proto_hs) || ws_expert_kept(tree)) {
        ti = proto_tree_add_item(tree, proto_hs, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(ti);
        ht = proto_item_add_subtree(ti, ett_hs);
        if (r->label) {
            proto_item_append_text(ti, ": %s%s", li->text, (r->flags & HS_RES_RETRANS) ? " (retransmission)" : "");
            ti = add_step(ht, tvb, pinfo, r, c);
        }
        if (!hs_label_is_icmp(r->label) && kept(ht, hf_role))
            proto_item_set_generated(proto_tree_add_string(ht, hf_role, tvb, 0, 0,
                hs_role_name((r->flags & HS_RES_RESPONDER) ? HS_RESPONDER : HS_INITIATOR)));
        if (r->origin && kept(ht, hf_rst_origin))
            proto_item_set_generated(proto_tree_add_string(ht, hf_rst_origin, tvb, 0, 0,
                hs_origin_name((hs_origin)r->origin)));
        if ((r->evidence & HS_EVID_TTL_SEEN) && kept(ht, hf_rst_ttl_delta))
            proto_item_set_generated(proto_tree_add_int(ht, hf_rst_ttl_delta, tvb, 0, 0, r->ttl_delta));
        if (r->accept && !hs_label_is_icmp(r->label) && kept(ht, hf_accept))
            add_accept(ht, tvb, r);
        if (kept(ht, hf_state_init))
            proto_item_set_generated(proto_tree_add_string(ht, hf_state_init, tvb, 0, 0,
                hs_kstate_name((hs_kstate)r->kstate[HS_INITIATOR])));
        if (kept(ht, hf_state_resp))
            proto_item_set_generated(proto_tree_add_string(ht, hf_state_resp, tvb, 0, 0,
                hs_kstate_name((hs_kstate)r->kstate[HS_RESPONDER])));
        if (any_kept(ht, conn_hfi))
            add_connection(ht, tvb, pinfo, r, c);
        if (any_kept(ht, nego_hfi))
            add_negotiation(ht, tvb, c);
    }
    add_expert(pinfo, ht, tvb, ti, anomalies, r);
    static hs_tap_packet tapped;    /* this packet's, until the next one */
    tapped = (hs_tap_packet){ r, c, pref_relative };
    tap_queue_packet(hs_tap, pinfo, &tapped);
    return 0;
}

/* ---- life cycle ------------------------------------------------------------- */

static void hs_init(void)
{
    engine = hs_capture_open();
    blind = false;
    last_analysed = 0;
    options_read = pref_negotiation;
    expert_tap = find_tap_id("expert");    /* registered by epan after the plugins' handoffs */
    static const char *const ws_expert_names[] = {
        "_ws.expert", "_ws.expert.message", "_ws.expert.severity", "_ws.expert.group",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ws_expert_names); i++)
        hf_ws_expert[i] = proto_registrar_get_id_byname(ws_expert_names[i]);
    if (proto_is_protocol_enabled(find_protocol_by_id(proto_hs)))
        hs_input_start(hs_handle, pref_two_pass, pref_negotiation);
}

static void hs_cleanup(void)
{
    hs_capture_close();
    engine = NULL;
    hs_input_stop();
}

void proto_register_hs(void)
{
    info_formats_init();
    static hf_register_info hf[] = {
        { &hf_label, { "Label", "hs.label", FT_STRING, BASE_NONE, NULL, 0,
          "The step as the textbook writes it: SYN(x), SYN+ACK(y,x+1), ACK(y+1), FIN(X), ACK(X+1), FIN(Y), ACK(Y+1), or RST(...)", HFILL } },
        { &hf_step, { "Step", "hs.step", FT_UINT8, BASE_DEC, NULL, 0,
          "1-3: opening handshake, 4-7: close; twice on a packet doing two steps", HFILL } },
        { &hf_seq, { "Sequence number named by the label", "hs.seq", FT_UINT32, BASE_DEC, NULL, 0,
          "x, y, X or Y (absolute unless the relative-numbers preference is set)", HFILL } },
        { &hf_ack, { "Acknowledgment number named by the label", "hs.ack", FT_UINT32, BASE_DEC, NULL, 0,
          "x+1, y+1, X+1 or Y+1", HFILL } },
        { &hf_valid, { "Numbers check out", "hs.valid", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "The sequence and acknowledgment numbers are the ones the step requires", HFILL } },
        { &hf_retrans, { "Retransmitted step", "hs.retransmission", FT_BOOLEAN, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_answers, { "Answers the step in frame", "hs.answers", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, NULL, HFILL } },
        { &hf_role, { "Sent by", "hs.role", FT_STRING, BASE_NONE, NULL, 0,
          "initiator (sent the first SYN) or responder", HFILL } },
        { &hf_anomaly, { "Anomaly", "hs.anomaly", FT_STRING, BASE_NONE, NULL, 0,
          "Short name of each anomaly raised on this packet (the expert info hs.<name>)", HFILL } },
        { &hf_stream, { "Stream index", "hs.stream", FT_UINT32, BASE_DEC, NULL, 0, "tcp.stream", HFILL } },
        { &hf_attempt, { "Attempt", "hs.attempt", FT_UINT32, BASE_DEC, NULL, 0,
          "Connection attempt on this 4-tuple: a SYN after a close or reset, or with a new ISN, or after a Zeek timeout, starts a new one (counted across tcp.stream splits)", HFILL } },
        { &hf_initiator, { "Initiator", "hs.initiator", FT_STRING, BASE_NONE, NULL, 0,
          "Address:port that opened the connection (Zeek's originator)", HFILL } },
        { &hf_responder, { "Responder", "hs.responder", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_state_init, { "Initiator state", "hs.state.initiator", FT_STRING, BASE_NONE, NULL, 0,
          "Kernel TCP state of the initiator as the capture shows it", HFILL } },
        { &hf_state_resp, { "Responder state", "hs.state.responder", FT_STRING, BASE_NONE, NULL, 0,
          "Kernel TCP state of the responder as the capture shows it", HFILL } },
        { &hf_conn_state, { "Connection state (Zeek)", "hs.conn_state", FT_STRING, BASE_NONE, NULL, 0,
          "S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH, as Zeek's conn.log", HFILL } },
        { &hf_history, { "History (Zeek)", "hs.history", FT_STRING, BASE_NONE, NULL, 0,
          "Zeek's history letters; upper case for the initiator", HFILL } },
        { &hf_close_initiator, { "Closed first by", "hs.close.initiator", FT_STRING, BASE_NONE, NULL, 0,
          "initiator or responder: who sent the first FIN", HFILL } },
        { &hf_packets, { "Packets", "hs.conn.packets", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL } },
        { &hf_duration, { "Duration", "hs.conn.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_last, { "Last packet of the connection", "hs.conn.last", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Present on the last packet of each attempt (two-pass and GUI): one row per connection with -2 -Y hs.conn.last", HFILL } },
        { &hf_rtt_syn_synack, { "SYN to SYN+ACK", "hs.rtt.syn_synack", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_rtt_synack_ack, { "SYN+ACK to ACK", "hs.rtt.synack_ack", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_rtt_handshake, { "Handshake (SYN to ACK)", "hs.rtt.handshake", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_rtt_note, { "Not measured", "hs.rtt.not_measured", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_accept, { "Receiver", "hs.accept", FT_STRING, BASE_NONE, NULL, 0,
          "What the receiver of this SYN, FIN or RST does with it, as Linux decides from its state as the capture shows it: accepted, challenge (answered with a challenge ACK, or an ACK) or ignored (dropped: outside its window, without ACK, not acknowledging its SYN). Assumed: default sysctls (tcp_rfc1337=0), a FIN_WAIT2 socket orphaned by close(); timestamps (PAWS) are compared only where read (hs.negotiation), challenge-ACK rate limits and SACK blocks not at all", HFILL } },
        { &hf_retry_delay, { "Since the previous one", "hs.retry_delay", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
          "On a retransmitted SYN or SYN+ACK: the time since the previous one (the sender's retransmission timeout)", HFILL } },
        { &hf_syn_retries, { "SYN retransmissions", "hs.syn.retries", FT_UINT8, BASE_DEC, NULL, 0,
          "How many times the initiator sent its SYN again (after a refusal too)", HFILL } },
        { &hf_synack_retries, { "SYN+ACK retransmissions", "hs.synack.retries", FT_UINT8, BASE_DEC, NULL, 0,
          "How many times the responder sent a SYN+ACK again", HFILL } },
        { &hf_connect_time, { "Connect time", "hs.connect_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
          "First SYN to the handshake's last step: what the application waited, retries included", HFILL } },
        { &hf_close_duration, { "Close duration", "hs.close.duration", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
          "First FIN to the last close step (both FINs acknowledged)", HFILL } },
        { &hf_outcome, { "Outcome", "hs.outcome", FT_STRING, BASE_NONE, NULL, 0,
          "Why the attempt ended as it did: established, refused (RST answering the SYN), no answer (SYN never answered, its retries due before the capture ended), ended too soon (the capture ends before Linux's next SYN retry would be due), challenged (the SYN met an older connection, which answered with a challenge ACK), reset by initiator (RST after the SYN+ACK), unreachable (an ICMP/ICMPv6 error quoted the SYN and the responder sent nothing), incomplete (the SYN+ACK never acknowledged), no handshake seen; final once the capture has been read", HFILL } },
        { &hf_close_kind, { "Close", "hs.close.kind", FT_STRING, BASE_NONE, NULL, 0,
          "How the established connection closed: 4-packet, 3-packet, simultaneous, reset after close (an RST instead of the last ACK), close then reset (a FIN, then an RST), abort (an RST without a FIN), incomplete, never closed", HFILL } },
        { &hf_icmp_frame, { "ICMP error in frame", "hs.icmp.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The first ICMP/ICMPv6 error (destination unreachable, administratively prohibited, time exceeded) that quotes a segment of this attempt", HFILL } },
        { &hf_icmp_type, { "ICMP type", "hs.icmp.type", FT_UINT8, BASE_DEC, NULL, 0,
          "Of that error: ICMP 3 destination unreachable, 11 time exceeded; ICMPv6 1 destination unreachable, 3 time exceeded", HFILL } },
        { &hf_icmp_code, { "ICMP code", "hs.icmp.code", FT_UINT8, BASE_DEC, NULL, 0,
          "Of that error: e.g. ICMP 3/3 port unreachable, 3/13 administratively prohibited; ICMPv6 1/1 administratively prohibited, 1/4 port unreachable", HFILL } },
        { &hf_icmp_from, { "ICMP error from", "hs.icmp.from", FT_STRING, BASE_NONE, NULL, 0,
          "Who sent that error: a router or firewall on the path, or the responder's host", HFILL } },
        { &hf_rst_origin, { "RST origin", "hs.rst.origin", FT_STRING, BASE_NONE, NULL, 0,
          "On an RST: peer (its hop count, and its IP ID where the sender's are sequential, fit its sender's other packets) or middlebox suspected (they do not); absent where its sender sent nothing before to compare with", HFILL } },
        { &hf_rst_ttl_delta, { "RST hop count difference", "hs.rst.ttl_delta", FT_INT16, BASE_DEC, NULL, 0,
          "The RST's hop count (IPv4 TTL, IPv6 hop limit) minus the nearest of its sender's other packets' (0: within their range)", HFILL } },
        { &hf_synack_ttl_delta, { "SYN+ACK hop count difference", "hs.synack.ttl_delta", FT_INT16, BASE_DEC, NULL, 0,
          "The SYN+ACK's hop count minus that of the first later packet of the responder with another one (0: all the same so far): not 0 when another host (a SYN proxy) answered the SYN", HFILL } },
        { &hf_first_data, { "First data", "hs.time.first_data", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
          "The handshake's last step to the initiator's first payload", HFILL } },
        { &hf_first_response, { "First response", "hs.time.first_response", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
          "The initiator's first payload to the responder's first payload after it: the server's think time plus a round trip", HFILL } },
        { &hf_vantage, { "Vantage point", "hs.vantage", FT_STRING, BASE_NONE, NULL, 0,
          "Where the capture was taken, from the validated handshake legs: near initiator (SYN to SYN+ACK is 80% or more of the round trip), near responder (20% or less) or in between; absent without both legs or under 0.1 ms", HFILL } },
        { &hf_opt_summary, { "Negotiation", "hs.opt.summary", FT_STRING, BASE_NONE, NULL, 0,
          "What the handshake agreed on, in one line: MSS initiator/responder, window scale shifts, SACK, timestamps, ECN, Fast Open, MPTCP", HFILL } },
        { &hf_opt_mss[HS_INITIATOR], { "MSS offered by the initiator", "hs.opt.mss.initiator", FT_UINT16, BASE_DEC, NULL, 0,
          "On its SYN (absent: not offered)", HFILL } },
        { &hf_opt_mss[HS_RESPONDER], { "MSS offered by the responder", "hs.opt.mss.responder", FT_UINT16, BASE_DEC, NULL, 0,
          "On its SYN+ACK (absent: not offered)", HFILL } },
        { &hf_opt_wscale[HS_INITIATOR], { "Window scale offered by the initiator", "hs.opt.wscale.initiator", FT_UINT8, BASE_DEC, NULL, 0,
          "Shift count on its SYN (absent: not offered)", HFILL } },
        { &hf_opt_wscale[HS_RESPONDER], { "Window scale offered by the responder", "hs.opt.wscale.responder", FT_UINT8, BASE_DEC, NULL, 0,
          "Shift count on its SYN+ACK (absent: not offered)", HFILL } },
        { &hf_opt_ws, { "Window scaling in use", "hs.opt.wscale", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both sides offered window scaling (RFC 7323)", HFILL } },
        { &hf_opt_sack, { "SACK in use", "hs.opt.sack", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both sides sent SACK-permitted (RFC 2018)", HFILL } },
        { &hf_opt_ts, { "Timestamps in use", "hs.opt.ts", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both sides sent timestamps on the SYN and SYN+ACK (RFC 7323)", HFILL } },
        { &hf_opt_ecn, { "ECN", "hs.opt.ecn", FT_STRING, BASE_NONE, NULL, 0,
          "off, ecn (RFC 3168) or accecn (Accurate ECN), from the SYN's and SYN+ACK's flags", HFILL } },
        { &hf_opt_tfo, { "TCP Fast Open", "hs.opt.tfo", FT_STRING, BASE_NONE, NULL, 0,
          "off, cookie requested, cookie, data accepted or data ignored (RFC 7413)", HFILL } },
        { &hf_opt_mptcp, { "MPTCP in use", "hs.opt.mptcp", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Both the SYN and the SYN+ACK carried MP_CAPABLE", HFILL } },
        { &hf_opt_note, { "Not analysed", "hs.opt.not_analysed", FT_STRING, BASE_NONE, NULL, 0,
          "Why option values are missing, and the preference that reads them", HFILL } },
        { &hf_frame[HS_STEP_SYN],    { "SYN(x) in frame", "hs.frame.syn", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_SYNACK], { "SYN+ACK(y,x+1) in frame", "hs.frame.synack", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_ACK],    { "ACK(y+1) in frame", "hs.frame.ack", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_FIN1],   { "FIN(X) in frame", "hs.frame.fin1", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_ACK1],   { "ACK(X+1) in frame", "hs.frame.ack1", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_FIN2],   { "FIN(Y) in frame", "hs.frame.fin2", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
        { &hf_frame[HS_STEP_ACK2],   { "ACK(Y+1) in frame", "hs.frame.ack2", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL } },
    };
    static int *ett[] = { &ett_hs, &ett_step, &ett_conn, &ett_frames, &ett_rtt, &ett_nego, &ett_timing };

    proto_hs = proto_register_protocol("Handshake (TCP connection lifecycle)", "Handshake", "hs");
    proto_register_field_array(proto_hs, hf, array_length(hf));
    our_fields_init(hf, (int)array_length(hf));
    field_list_init(conn_fields, conn_hfi);
    field_list_init(nego_fields, nego_hfi);
    proto_register_subtree_array(ett, array_length(ett));
    for (int a = 0; a < HS_AN_COUNT; a++)
        ei[a].eiinfo.name = hs_anomaly_name((enum hs_anomaly)a);
    expert_register_field_array(expert_register_protocol(proto_hs), ei, array_length(ei));

    module_t *prefs = prefs_register_protocol(proto_hs, NULL);
    prefs_register_bool_preference(prefs, "relative_numbers", "Relative sequence numbers",
        "Show x, y, X, Y relative to each side's initial sequence number (x = y = 0, as Wireshark's "
        "TCP shows by default) instead of absolute (as tcpdump -S prints them)", &pref_relative);
    /* hs.info_column was a boolean up to 0.1.0.  Wireshark matches a value
     * against these names, then (case-insensitively) the descriptions, and
     * writes the description back: the names keep an old "FALSE" meaning
     * off (and "TRUE" the default place); the descriptions are what the GUI
     * shows and what -o and a preferences file say: start, end, off. */
    static const enum_val_t info_column_vals[] = {
        { "TRUE",  "Start", HS_INFO_START },
        { "end",   "End",   HS_INFO_END },
        { "FALSE", "Off",   HS_INFO_OFF },
        { NULL, NULL, -1 }
    };
    prefs_register_enum_preference(prefs, "info_column", "Step label in the Info column",
        "Where the step label, e.g. SYN+ACK(y,x+1), goes in the Info column: at the start (where "
        "Wireshark puts its own analysis, e.g. [TCP Retransmission], and where it is seen), at the end "
        "(after TCP's option text), or off. A preferences file from before, with TRUE or FALSE, means "
        "start or off.", &pref_info_column, info_column_vals, TRUE);
    prefs_register_bool_preference(prefs, "two_pass", "Final values in tshark -2 (a tree on every first pass)",
        "tshark -2 runs its first pass without taps, where Handshake reads TCP. With this on, Handshake "
        "asks for the TCP fields instead, so that -2 shows every connection's final values; the price is "
        "a protocol tree on every first pass, everywhere (tshark and the GUI), about 1.1 to 1.3 times "
        "tshark's time in summary mode. The GUI and single-pass tshark do not need it.", &pref_two_pass);
    prefs_register_bool_preference(prefs, "negotiation", "Analyse option negotiation",
        "Read each SYN's and SYN+ACK's MSS, window scale, SACK-permitted, timestamps and Fast Open "
        "options, and check later segments' timestamps, for the Negotiation subtree and its expert info, "
        "and compare timestamp values for PAWS in the receiver's verdict (hs.accept). "
        "Option values exist only in the protocol tree, so this builds one on every pass (the cost of the "
        "two_pass preference, which it includes). ECN, data on the SYN and MPTCP are analysed either way.",
        &pref_negotiation);
    range_convert_str(wmem_epan_scope(), &pref_server_ports, HS_DEFAULT_SERVER_PORTS, 65535);
    prefs_register_range_preference(prefs, "server_ports", "Likely server ports",
        "For a connection seen without its SYN (capture started mid-stream, or SYN+ACK first), a "
        "sender using one of these ports (and talking to a port not in the list) is taken for the "
        "responder, as Zeek's likely_server_ports does", &pref_server_ports, 65535);
    hs_reports_register_prefs(prefs);

    hs_handle = create_dissector_handle(dissect_hs, proto_hs);
    register_init_routine(hs_init);
    register_cleanup_routine(hs_cleanup);
    hs_tap = register_tap(HS_TAP_NAME);
}

void proto_reg_handoff_hs(void)
{
    hs_input_handoff();
    register_postdissector(hs_handle);
}
