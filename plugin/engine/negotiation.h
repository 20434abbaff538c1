/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * negotiation.h - what an opening handshake agreed on (SPEC section 7):
 * MSS, window scaling, SACK, timestamps (RFC 7323, RFC 2018), ECN
 * (RFC 3168 section 6.1.1) and Accurate ECN, TCP Fast Open (RFC 7413) and
 * MPTCP.  Pure C; the engine feeds it every segment.
 *
 * Each side's offer is the latest SYN (initiator) or SYN+ACK (responder) it
 * sent; an outcome is known once both offers are.  ECN, data on the SYN and
 * MP_CAPABLE come with TCP's header data and are always known; the other
 * options only where the segments' options were read (HS_OPT_READ).
 */
#ifndef HS_NEGOTIATION_H
#define HS_NEGOTIATION_H

#include "hs_types.h"

typedef enum hs_ecn_mode { HS_ECN_UNKNOWN, HS_ECN_OFF, HS_ECN_CLASSIC, HS_ECN_ACCECN } hs_ecn_mode;

typedef enum hs_tfo_mode {
    HS_TFO_UNKNOWN, HS_TFO_OFF, HS_TFO_REQUESTED, HS_TFO_COOKIE, HS_TFO_DATA_ACCEPTED,
    HS_TFO_DATA_IGNORED, HS_TFO_COUNT
} hs_tfo_mode;

/* One segment of attempt c, sent by `role`: record offers, and add to
 * *anomalies the negotiation anomalies it shows. */
void hs_nego_segment(hs_conn *c, int role, const hs_segment *s, hs_anomalies *anomalies);

/* Whether both sides' offers were seen (the SYN and the SYN+ACK)... */
bool hs_nego_complete(const hs_conn *c);
/* ... and with their options read. */
bool hs_nego_options_read(const hs_conn *c);
/* Whether a side's offer was seen, and with its options read. */
bool hs_nego_offer_seen(const hs_conn *c, int role);
bool hs_nego_offer_read(const hs_conn *c, int role);

/* An option both sides offered (HS_OPT_WS, HS_OPT_SACKP, HS_OPT_TS, HS_OPT_MPC);
 * meaningful when the offers were read (HS_OPT_MPC: when complete). */
bool hs_nego_in_use(const hs_conn *c, uint8_t opt);

hs_ecn_mode hs_nego_ecn(const hs_conn *c);
hs_tfo_mode hs_nego_tfo(const hs_conn *c);
const char *hs_ecn_name(hs_ecn_mode m);
const char *hs_tfo_name(hs_tfo_mode m);

/* The one-line summary, e.g. "MSS 1460/1400, WS 7/9, SACK, TS, ECN off".
 * Always NUL-terminated; returns snprintf's count. */
int hs_nego_summary(const hs_conn *c, char *buf, size_t n);

#endif /* HS_NEGOTIATION_H */
