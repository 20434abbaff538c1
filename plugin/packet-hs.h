/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-hs.h - registration entry points of the Handshake post-dissector. */
#ifndef PACKET_HS_H
#define PACKET_HS_H

#include "engine.h"

void proto_register_hs(void);
void proto_reg_handoff_hs(void);

/* The "hs" tap queues a const hs_result * per packet (valid in that
 * packet's tap callbacks only: copy what must outlive them).  Reports get
 * its connection attempt here, valid in those callbacks too. */
const hs_conn *hs_tap_conn(const hs_result *r);
/* A connection attempt of the capture by id (1, 2, ...), NULL past the
 * last; unpacked into *buf if the engine keeps it packed (hs_engine_conn). */
const hs_conn *hs_conn_by_id(uint32_t id, hs_conn *buf);

/* The "relative numbers" preference, for reports that print x, y, X, Y. */
bool hs_pref_relative(void);

/* Reports (stats_tree, Flow Graph, the connection log) register from the handoff. */
void hs_reports_register(int proto_hs);
void hs_conn_log_register(void);

#endif /* PACKET_HS_H */
