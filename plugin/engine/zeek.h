/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zeek.h - Zeek's view of a connection attempt: endpoint states, history
 * letters and conn_state (docs/zeek-rules.md has the rules, from Zeek's
 * source).  Pure C, called by the engine once per segment.
 */
#ifndef HS_ZEEK_H
#define HS_ZEEK_H

#include "hs_types.h"

/* Update Zeek's endpoint states and history with one segment; `first` for
 * the attempt's first segment (Zeek's connection creation). */
void hs_zeek_update(hs_zeek *z, bool first, const hs_segment *s);

/* Whether Zeek would have timed the connection out (and so would start a
 * new connection record) by the time `now_ns`: docs/zeek-rules.md 7.3.
 * Consumes the one-shot attempt timer, so call it once per segment. */
bool hs_zeek_expired(hs_zeek *z, int64_t now_ns);

/* Whether Zeek's likely_server_ports heuristic makes the receiver of this
 * first segment the originator. */
bool hs_zeek_flips_first(const hs_segment *s);

/* Zeek conn_state and history of an attempt (as of its last segment so far). */
hs_conn_state hs_conn_state_of(const hs_conn *c);
static inline const char *hs_history_of(const hs_conn *c) { return c->zeek.history; }

/* Zeek's conn.log sizes (docs/conn-log.md): the payload bytes the endpoint
 * `dir` sent, counted in sequence space as Zeek's TCP_Endpoint::Size() does
 * (highest sequence number sent or acknowledged, less the SYN and FIN). */
uint64_t hs_zeek_size(const hs_conn *c, int dir);
/* Zeek's originator (a dir) and last_time (which stops once both sides closed). */
static inline int hs_zeek_orig_dir(const hs_conn *c) { return c->zeek.orig_dir; }
static inline int64_t hs_zeek_last_ns(const hs_conn *c) { return c->zeek.last_ns; }

#endif /* HS_ZEEK_H */
