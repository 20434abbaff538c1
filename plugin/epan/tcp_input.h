/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcp_input.h - one TCP segment as Wireshark's TCP dissector decoded it,
 * read for the engine without re-parsing TCP bytes (tcp_input.c).
 */
#ifndef HS_TCP_INPUT_H
#define HS_TCP_INPUT_H

#include "hs_compat.h"
#include "engine.h"

/* What was read: the engine's segment (without frame, time, direction and
 * tuple, which the glue adds) and the endpoints of the TCP layer read. */
typedef struct hs_input {
    hs_segment     seg;
    guint32        stream;        /* tcp.stream */
    const address *src, *dst;
    guint32        sport, dport;
} hs_input;

/* An ICMP or ICMPv6 error quoting a TCP header. */
typedef struct hs_quoted {
    hs_segment     seg;           /* the quoted header's flags, seq and ack */
    guint32        stream;        /* its tcp.stream */
    bool           v6;            /* ICMPv6 */
    guint8         type, code;
    const address *from;          /* who sent the error: a router, a firewall, the host */
} hs_quoted;

typedef enum hs_read {
    HS_READ_OK,      /* a segment was read */
    HS_READ_QUOTED,  /* an ICMP error quoting a TCP header was read */
    HS_READ_NONE,    /* no TCP layer to analyse (or one TCP could not decode) */
    HS_READ_BLIND    /* TCP is there, but this pass runs no taps and the tree
                        has no TCP fields: tshark -2's first pass */
} hs_read;

/* Handoff: resolve the protocol and field ids read below. */
void hs_input_handoff(void);

/* Per capture file (init/cleanup routines): keep the tcp tap queueing, and
 * when asked, make every pass build a tree with the TCP fields read below
 * (set_postdissector_wanted_hfids() on the post-dissector `handle`): the
 * segment's (for passes without taps), and its options' values. */
void hs_input_start(dissector_handle_t handle, bool segment_fields, bool options);
void hs_input_stop(void);

/* Read the innermost TCP layer that is not a header quoted in an ICMP or
 * ICMPv6 error, with its IP header's hop count and identification: from
 * the taps when this pass runs taps, else from the tree fields when there
 * are any; its options from the tree when asked.  A packet without such a
 * layer may be an ICMP error quoting one: then *q is read. */
hs_read hs_input_read(packet_info *pinfo, proto_tree *tree, hs_input *in, hs_quoted *q);

#endif /* HS_TCP_INPUT_H */
