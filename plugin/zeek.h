/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zeek.h - Zeek's view of a connection attempt: endpoint states, history
 * letters and conn_state (docs/zeek-rules.md has the rules, from Zeek's
 * source).  Pure C, called by the engine once per segment.
 */
#ifndef HS_ZEEK_H
#define HS_ZEEK_H

#include "engine.h"

/* Update endpoint states and history for a segment sent by `role`. */
void hs_zeek_update(hs_conn *c, int role, const hs_segment *s);

#endif /* HS_ZEEK_H */
