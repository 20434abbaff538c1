/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_input.c - one TCP segment as Wireshark's TCP dissector decoded it.
 * Never the TCP bytes.  Two sources give the same values:
 *
 * 1. The "tcp" tap.  TCP queues its tcp_info_t before it dissects the
 *    payload, and fetch_tapped_data() hands it to a dissector during the
 *    same dissection, so reading it needs no protocol tree.  Every pass that
 *    runs taps has it: the GUI (file load, live capture, rescans),
 *    single-pass tshark, and the second pass of tshark -2.  Queueing is on
 *    only while some listener exists, hence ours (no callbacks, flagged as a
 *    dissector's helper so that it never makes tshark dissect by itself).
 *
 * 2. Tree fields (tcp.flags, tcp.seq_raw, ...), present only where the
 *    post-dissector asked for them (set_postdissector_wanted_hfids()), which
 *    makes every pass build a protocol tree.  That is the cost of the
 *    two_pass preference, for the first pass of tshark -2, which runs no
 *    taps at all, and of the negotiation preference: TCP's tap data has
 *    no option values, so they are read from the tree whatever the pass.
 *
 * Which TCP layer: the innermost one that is not a header quoted inside an
 * ICMP or ICMPv6 error (those come after the ICMP layer in pinfo->layers).
 * The IP header it came in is the last IPv4 or IPv6 layer before it: its
 * hop count and identification come from the "ip" and "ipv6" taps, which
 * IP queues before it dissects the payload, one entry a header, the same
 * way (or from ip.ttl, ip.id and ipv6.hlim in a tree).
 *
 * An ICMP or ICMPv6 error quoting a TCP header is read the same way: the
 * quoted header is a TCP layer after the ICMP one, with its own tap entry
 * when TCP could decode the whole header (an 8-byte quote, as RFC 792
 * routers send, has no flags and gets none: it is not read), and the
 * error's type and code are what ICMP keeps for the frame (icmp_info_t).
 */
#include "tcp_input.h"

#include <string.h>

#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-icmp.h>
#include <epan/dissectors/packet-ip.h>
#include <epan/dissectors/packet-tcp.h>

static int proto_tcp = -1, proto_icmp = -1, proto_icmpv6 = -1, proto_ip = -1, proto_ipv6 = -1;
static int tcp_tap = -1, ip_tap = -1, ipv6_tap = -1;
static int pass_tap = -1;               /* our own: does this pass run taps? */
/* The taps read, and our listeners' identities (no callbacks: they only
 * keep the dissectors queueing).  IP's are read where TCP's listener keeps
 * them queued already (HS_TAPS_QUEUE_ALL). */
static const char *const tap_names[] = { "tcp", "ip", "ipv6" };
#define N_LISTENED (HS_TAPS_QUEUE_ALL ? 1 : G_N_ELEMENTS(tap_names))
static int listeners[G_N_ELEMENTS(tap_names)];
static bool listening[G_N_ELEMENTS(tap_names)];
static dissector_handle_t post;         /* ours, for the wanted fields */
static bool tree_fields;                /* the tree source is on */
static bool option_fields;              /* option values are read from the tree */

/* Tree fields, resolved in the handoff: the segment's, then its options'. */
enum {
    IN_FLAGS, IN_SEQ, IN_ACK, IN_LEN, IN_STREAM, IN_WIN, IN_ICMP, IN_ICMPV6, IN_MPTCP_SUBTYPE,
    IN_TTL, IN_IPID, IN_HLIM, IN_QUOTED_SEQ, IN_HDR_LEN, IN_SEGMENT,
    IN_KIND = IN_SEGMENT, IN_MSS, IN_WSCALE, IN_TSVAL, IN_TFO_REQUEST, IN_TFO_COOKIE,
    IN_SACK_LE, IN_SACK_RE, IN_ACK_SHOWN, IN_COUNT
};
static const char *const in_names[IN_COUNT] = {
    "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.stream", "tcp.window_size", "icmp", "icmpv6",
    "tcp.options.mptcp.subtype", "ip.ttl", "ip.id", "ipv6.hlim", "tcp.seq", "tcp.hdr_len",
    "tcp.option_kind", "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
    "tcp.options.tfo.request",
    "tcp.options.tfo.cookie",
    "tcp.options.sack_le", "tcp.options.sack_re", "tcp.ack",
};
static int in_hf[IN_COUNT];

void hs_input_handoff(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    proto_ip = proto_get_id_by_filter_name("ip");
    proto_ipv6 = proto_get_id_by_filter_name("ipv6");
    tcp_tap = find_tap_id("tcp");
    ip_tap = find_tap_id("ip");
    ipv6_tap = find_tap_id("ipv6");
    pass_tap = register_tap("hs.pass");
    for (int i = 0; i < IN_COUNT; i++)
        in_hf[i] = proto_registrar_get_id_byname(in_names[i]);
}

void hs_input_start(dissector_handle_t handle, bool segment_fields, bool options)
{
    post = handle;
    option_fields = options;
    tree_fields = segment_fields || options;
    if (tree_fields) {
        int n = options ? IN_COUNT : IN_SEGMENT;
        GArray *wanted = g_array_sized_new(FALSE, FALSE, (guint)sizeof(int), (guint)n);
        for (int i = 0; i < n; i++)
            if (in_hf[i] > 0)
                g_array_append_val(wanted, in_hf[i]);
        set_postdissector_wanted_hfids(post, wanted);
    }
    for (size_t i = 0; i < N_LISTENED; i++) {
        if (listening[i])
            continue;
        GString *err = register_tap_listener(tap_names[i], &listeners[i], NULL, TL_IS_DISSECTOR_HELPER,
                                             NULL, NULL, NULL, NULL);
        if (err)                        /* only if there is no such tap: not a real Wireshark */
            g_string_free(err, TRUE);
        else
            listening[i] = true;
    }
}

void hs_input_stop(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(tap_names); i++) {
        if (listening[i])
            remove_tap_listener(&listeners[i]);
        listening[i] = false;
    }
    if (post)
        set_postdissector_wanted_hfids(post, NULL);
    tree_fields = option_fields = false;
}

/* ---- 1. the tcp tap ---------------------------------------------------- */

/* Where the layers are: the TCP layers before the first ICMP or ICMPv6
 * one (the real ones), the IP header of the innermost of them, and what
 * follows an ICMP layer. */
typedef struct layer_walk {
    int tcp;                /* real TCP layers */
    int ip_tap, ip_idx;     /* the innermost real one's IP header: its tap and entry, -1: none */
    int icmp;               /* proto_icmp or proto_icmpv6, 0: none */
    bool quoted;            /* a TCP layer after the ICMP one */
} layer_walk;

static layer_walk walk_layers(const packet_info *pinfo)
{
    layer_walk l = { 0, -1, -1, 0, false };
    int n4 = 0, n6 = 0, last_ip = -1, last_idx = -1;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f)) {
        int id = GPOINTER_TO_INT(wmem_list_frame_data(f));
        if (id == proto_ip) {
            last_ip = ip_tap;
            last_idx = n4++;
        } else if (id == proto_ipv6) {
            last_ip = ipv6_tap;
            last_idx = n6++;
        } else if (id == proto_tcp) {
            if (l.icmp) {
                l.quoted = true;
                break;
            }
            l.tcp++;
            l.ip_tap = last_ip;
            l.ip_idx = last_idx;
        } else if ((id == proto_icmp || id == proto_icmpv6) && !l.icmp) {
            l.icmp = id;
        }
    }
    return l;
}

/* The hop count and identification of the IP header at tap entry idx. */
static void from_ip_tap(int tap, int idx, hs_segment *seg)
{
    const void *d = idx >= 0 ? fetch_tapped_data(tap, idx) : NULL;
    if (!d)
        return;
    if (tap == ip_tap) {
        const ws_ip4 *ip = (const ws_ip4 *)d;
        seg->ttl = ip->ip_ttl;
        seg->ipid = ip->ip_id;
        seg->have |= HS_HAVE_TTL | HS_HAVE_IPID;
    } else {
        seg->ttl = ((const ws_ip6 *)d)->ip6_hop;
        seg->have |= HS_HAVE_TTL;
    }
}

/* The tcp_info_t of the innermost real TCP layer.  TCP queues one per
 * layer, in layer order; a layer it could not decode (a bogus header
 * length, a truncated header) queued nothing and is the last one. */
static const tcp_info_t *tapped_tcp(int layers)
{
    const tcp_info_t *t = NULL;
    while (!t && layers > 0)
        t = (const tcp_info_t *)fetch_tapped_data(tcp_tap, --layers);
    return t;
}

static void from_tap(const tcp_info_t *t, hs_input *in)
{
    in->seg.flags = t->th_flags;
    in->seg.seq = t->th_rawseq;
    in->seg.have = HS_HAVE_SEQ;
    /* As the tree has it: the acknowledgment number only with ACK set. */
    if (t->th_flags & HS_TH_ACK) {
        in->seg.ack = t->th_rawack;
        in->seg.have |= HS_HAVE_ACK;
    }
    if (t->th_have_seglen) {
        in->seg.len = t->th_seglen;
        in->seg.have |= HS_HAVE_LEN;
    }
    in->seg.win = t->th_win;            /* scaled where TCP knows the scale */
    in->seg.have |= HS_HAVE_WIN;
    in->stream = t->th_stream;
    in->src = &t->ip_src;
    in->dst = &t->ip_dst;
    in->sport = t->th_sport;
    in->dport = t->th_dport;
    if (t->th_mptcp && t->th_mptcp->mh_mpc)
        in->seg.opts |= HS_OPT_MPC;
}

/* Whether this pass runs taps: what we queue on a tap of our own comes
 * back only then.  Asked only when TCP's own entry is missing. */
static bool pass_runs_taps(packet_info *pinfo)
{
    static const char canary = 1;
    tap_queue_packet(pass_tap, pinfo, &canary);
    return fetch_tapped_data(pass_tap, 0) != NULL;
}

/* ---- 2. tree fields ------------------------------------------------------ */

/* tcp.flags of the innermost TCP layer before any ICMP one, or with
 * `quoted`, of the first after it; NULL if none. */
static const field_info *tree_tcp_flags(proto_tree *tree, bool quoted)
{
    GPtrArray *flags = proto_get_finfo_ptr_array(tree, in_hf[IN_FLAGS]);
    int quoted_after = G_MAXINT;
    const field_info *best = NULL;
    for (int i = IN_ICMP; i <= IN_ICMPV6; i++) {
        GPtrArray *icmp = proto_get_finfo_ptr_array(tree, in_hf[i]);
        for (guint k = 0; icmp && k < icmp->len; k++) {
            const field_info *fi = (const field_info *)g_ptr_array_index(icmp, k);
            quoted_after = MIN(quoted_after, fi->total_layer_num);
        }
    }
    for (guint k = 0; flags && k < flags->len; k++) {
        const field_info *fi = (const field_info *)g_ptr_array_index(flags, k);
        if (quoted ? fi->total_layer_num > quoted_after && (!best || fi->proto_layer_num < best->proto_layer_num)
                   : fi->total_layer_num < quoted_after && (!best || fi->proto_layer_num > best->proto_layer_num))
            best = fi;
    }
    return best;
}

/* The value of the last field `which` added before the layer of `before`:
 * the IP header's, for a TCP header. */
static bool read_before(proto_tree *tree, int which, const field_info *before, guint32 *out, int *layer)
{
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, in_hf[which]);
    field_info *best = NULL;
    for (guint k = 0; arr && k < arr->len; k++) {
        field_info *fi = (field_info *)g_ptr_array_index(arr, k);
        if (fi->total_layer_num < before->total_layer_num && (!best || fi->total_layer_num > best->total_layer_num))
            best = fi;
    }
    if (!best || best->total_layer_num <= *layer)
        return false;
    *layer = best->total_layer_num;
    *out = HS_FI_UINT(best);
    return true;
}

/* The hop count and identification of the IP header before TCP's. */
static void tree_ip(proto_tree *tree, const field_info *flags, hs_segment *seg)
{
    guint32 v;
    int layer = 0;
    if (read_before(tree, IN_TTL, flags, &v, &layer)) {
        seg->ttl = (uint8_t)v;
        seg->have = (uint8_t)((seg->have | HS_HAVE_TTL) & ~HS_HAVE_IPID);
        if (read_before(tree, IN_IPID, flags, &v, &(int){ layer - 1 })) {
            seg->ipid = (uint16_t)v;
            seg->have |= HS_HAVE_IPID;
        }
    }
    if (read_before(tree, IN_HLIM, flags, &v, &layer)) {   /* an IPv6 header after that one */
        seg->ttl = (uint8_t)v;
        seg->have = (uint8_t)((seg->have | HS_HAVE_TTL) & ~HS_HAVE_IPID);
    }
}

static bool read_field(proto_tree *tree, int which, int layer, guint32 *out)
{
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, in_hf[which]);
    for (guint k = 0; arr && k < arr->len; k++) {
        field_info *fi = (field_info *)g_ptr_array_index(arr, k);
        if (fi->proto_layer_num == layer) {
            *out = HS_FI_UINT(fi);
            return true;
        }
    }
    return false;
}

static bool option_value(proto_tree *tree, int which, const field_info *flags, guint32 *out);

static bool from_tree(packet_info *pinfo, proto_tree *tree, const field_info *flags_fi, hs_input *in)
{
    guint32 flags;
    int layer = flags_fi ? flags_fi->proto_layer_num : 0;
    if (!layer || !read_field(tree, IN_FLAGS, layer, &flags) ||
        !read_field(tree, IN_STREAM, layer, &in->stream))
        return false;
    in->seg.flags = (uint16_t)flags;
    if (read_field(tree, IN_SEQ, layer, &in->seg.seq)) in->seg.have |= HS_HAVE_SEQ;
    if (read_field(tree, IN_ACK, layer, &in->seg.ack)) in->seg.have |= HS_HAVE_ACK;
    if (read_field(tree, IN_LEN, layer, &in->seg.len)) in->seg.have |= HS_HAVE_LEN;
    if (read_field(tree, IN_WIN, layer, &in->seg.win)) in->seg.have |= HS_HAVE_WIN;
    in->src = &pinfo->src;
    in->dst = &pinfo->dst;
    in->sport = pinfo->srcport;
    in->dport = pinfo->destport;
    tree_ip(tree, flags_fi, &in->seg);
    guint32 subtype;
    if (option_value(tree, IN_MPTCP_SUBTYPE, flags_fi, &subtype) && subtype == 0)   /* MP_CAPABLE */
        in->seg.opts |= HS_OPT_MPC;
    return true;
}

/* ---- option values, from the tree ------------------------------------------ */

/* Options belong to the TCP header whose flags field is `flags`: in the same
 * bytes, between header offsets 20 and 60 (the flags sit at 12).  Options
 * are dissected as protocols of their own, so their proto_layer_num does not
 * name the TCP layer; their position does. */
static bool in_header(const field_info *fi, const field_info *flags)
{
    return fi->ds_tvb == flags->ds_tvb && fi->start >= flags->start + 8 && fi->start < flags->start + 48;
}

/* The first value of field `which` in this header, or its presence. */
static bool option_value(proto_tree *tree, int which, const field_info *flags, guint32 *out)
{
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, in_hf[which]);
    for (guint k = 0; arr && k < arr->len; k++) {
        field_info *fi = (field_info *)g_ptr_array_index(arr, k);
        if (in_header(fi, flags)) {
            if (out)
                *out = HS_FI_UINT(fi);
            return true;
        }
    }
    return false;
}

/* The edges of field `which` (sack_le or sack_re) in this header, in order. */
static unsigned sack_edges(proto_tree *tree, int which, const field_info *flags, guint32 *out)
{
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, in_hf[which]);
    unsigned n = 0;
    for (guint k = 0; arr && k < arr->len && n < HS_SACK_MAX; k++) {
        field_info *fi = (field_info *)g_ptr_array_index(arr, k);
        if (in_header(fi, flags))
            out[n++] = HS_FI_UINT(fi);
    }
    return n;
}

/* SACK blocks, raw: TCP shows them relative to the same base as tcp.ack
 * (the peer's ISN, or 0 with relative numbers off), and tcp.ack_raw is
 * tcp.ack plus that base. */
static void read_sack(proto_tree *tree, const field_info *flags, hs_input *in)
{
    guint32 le[HS_SACK_MAX], re[HS_SACK_MAX], shown;
    if (!(in->seg.have & HS_HAVE_ACK) || !read_field(tree, IN_ACK_SHOWN, flags->proto_layer_num, &shown))
        return;
    unsigned n = MIN(sack_edges(tree, IN_SACK_LE, flags, le), sack_edges(tree, IN_SACK_RE, flags, re));
    guint32 base = in->seg.ack - shown;
    for (unsigned k = 0; k < n; k++) {
        in->seg.sack[k][0] = le[k] + base;
        in->seg.sack[k][1] = re[k] + base;
    }
    in->seg.n_sack = (uint8_t)n;
}

/* Option kinds in one field read; a value is read only where its option is
 * there (most segments carry timestamps alone).  Fast Open is kind 34, or
 * 254 with its experimental magic, which TCP decodes into the same fields. */
static void read_options(proto_tree *tree, const field_info *flags, hs_input *in)
{
    enum { FAST_OPEN = 0 };
    static const struct { uint8_t kind, opt; } kinds[] = {
        { 2, HS_OPT_MSS }, { 3, HS_OPT_WS }, { 4, HS_OPT_SACKP }, { 8, HS_OPT_TS },
        { 34, FAST_OPEN }, { 254, FAST_OPEN },
    };
    GPtrArray *arr = proto_get_finfo_ptr_array(tree, in_hf[IN_KIND]);
    uint8_t opts = HS_OPT_READ;
    bool fast_open = false;
    for (guint k = 0; arr && k < arr->len; k++) {
        field_info *fi = (field_info *)g_ptr_array_index(arr, k);
        guint32 kind = in_header(fi, flags) ? HS_FI_UINT(fi) : 0;
        for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
            if (kind == kinds[i].kind) {
                opts |= kinds[i].opt;
                fast_open |= kinds[i].opt == FAST_OPEN;
            }
    }
    guint32 v = 0;
    if ((opts & HS_OPT_MSS) && option_value(tree, IN_MSS, flags, &v))
        in->seg.mss = (uint16_t)v;
    if ((opts & HS_OPT_WS) && option_value(tree, IN_WSCALE, flags, &v))
        in->seg.wscale = (uint8_t)v;
    if ((opts & HS_OPT_TS) && option_value(tree, IN_TSVAL, flags, &in->seg.tsval))
        in->seg.have |= HS_HAVE_TSVAL;
    if (fast_open && option_value(tree, IN_TFO_REQUEST, flags, NULL))
        opts |= HS_OPT_TFO;
    if (fast_open && option_value(tree, IN_TFO_COOKIE, flags, NULL))
        opts |= HS_OPT_COOKIE;
    in->seg.opts |= opts;
    read_sack(tree, flags, in);
}

/* ---- the entry point ---------------------------------------------------- */

/* Whether TCP took the quoted header whose flags are `flags` as its tap
 * entry would say in a pass with taps: up to 4.0, only when all of it (its
 * header length, at offset 12 as the flags) fits in the bytes quoted. */
static bool quote_whole(proto_tree *tree, const field_info *flags)
{
    guint32 hdr_len;
    if (HS_TCP_TAPS_CUT_QUOTES)
        return true;
    if (!read_field(tree, IN_HDR_LEN, flags->proto_layer_num, &hdr_len) || flags->start < 12)
        return false;
    return (guint)(flags->start - 12) + hdr_len <= tvb_captured_length(flags->ds_tvb);
}

/* An ICMP or ICMPv6 error's quoted TCP header, and the error itself. */
static hs_read read_quoted(packet_info *pinfo, proto_tree *tree, const layer_walk *l, hs_quoted *q)
{
    const icmp_info_t *icmp = (const icmp_info_t *)p_get_proto_data(wmem_file_scope(), pinfo, l->icmp, 0);
    if (!icmp || !l->quoted)
        return HS_READ_NONE;
    q->v6 = l->icmp == proto_icmpv6;
    q->type = icmp->type;
    q->code = icmp->code;
    q->from = &pinfo->src;              /* ICMP leaves the outer header's addresses in place */
    /* Its tap entry follows the real layers' (an 8-byte quote has none). */
    const tcp_info_t *t = (const tcp_info_t *)fetch_tapped_data(tcp_tap, l->tcp);
    const field_info *flags = tree && tree_fields ? tree_tcp_flags(tree, true) : NULL;
    guint32 v;
    if (t) {
        q->seg.flags = t->th_flags;
        q->seg.seq = t->th_rawseq;
        q->seg.ack = t->th_rawack;
        q->stream = t->th_stream;
    } else if (flags && quote_whole(tree, flags) &&
               read_field(tree, IN_STREAM, flags->proto_layer_num, &q->stream) &&
               /* Inside ICMPv4, TCP gives the absolute number as tcp.seq, first. */
               (read_field(tree, IN_SEQ, flags->proto_layer_num, &q->seg.seq) ||
                read_field(tree, IN_QUOTED_SEQ, flags->proto_layer_num, &q->seg.seq))) {
        q->seg.flags = (uint16_t)HS_FI_UINT((field_info *)flags);
        if (read_field(tree, IN_ACK, flags->proto_layer_num, &v))
            q->seg.ack = v;
    } else {
        return tree_fields || pass_runs_taps(pinfo) ? HS_READ_NONE : HS_READ_BLIND;
    }
    q->seg.have = HS_HAVE_SEQ | HS_HAVE_ACK;
    return HS_READ_OK;
}

hs_read hs_input_read(packet_info *pinfo, proto_tree *tree, hs_input *in, hs_quoted *q)
{
    memset(in, 0, sizeof *in);
    layer_walk l = walk_layers(pinfo);
    if (!l.tcp) {
        if (!l.icmp)
            return HS_READ_NONE;
        memset(q, 0, sizeof *q);
        hs_read got = read_quoted(pinfo, tree, &l, q);
        return got == HS_READ_OK ? HS_READ_QUOTED : got;
    }
    const tcp_info_t *t = tapped_tcp(l.tcp);
    const field_info *flags = tree && tree_fields ? tree_tcp_flags(tree, false) : NULL;
    if (t) {
        from_tap(t, in);
        from_ip_tap(l.ip_tap, l.ip_idx, &in->seg);
    } else if (!from_tree(pinfo, tree, flags, in)) {
        return tree_fields || pass_runs_taps(pinfo) ? HS_READ_NONE : HS_READ_BLIND;
    }
    if (option_fields && flags)
        read_options(tree, flags, in);
    /* A header without its sequence number (truncated) cannot take a step. */
    return (in->seg.have & HS_HAVE_SEQ) ? HS_READ_OK : HS_READ_NONE;
}
