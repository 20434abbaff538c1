/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diagnosis.h - SPEC section 10: who stopped an attempt, and how long its
 * first exchange took.  From the segments' IP headers (hop count, IPv4
 * identification): whether an RST came from its sender or from something
 * in between, and whether a SYN proxy answered the SYN; from the segments
 * themselves: a full accept queue, payload above the MSS, the first data
 * and the first response; from ICMP/ICMPv6 errors: the attempt they answer.
 *
 * Pure C11, no Wireshark include.  engine.c calls these; the rule for each
 * verdict, with its thresholds, is in diagnosis.c and the README.
 */
#ifndef HS_DIAGNOSIS_H
#define HS_DIAGNOSIS_H

#include "hs_types.h"

/* Before the rules: an RST's origin and evidence, against its sender as
 * it stood (the rules may reset the attempt). */
void hs_diag_before(const hs_conn *c, int role, const hs_segment *s, hs_result *r);

/* After the rules: what segment s of `role` tells about its sender and the
 * attempt.  Reads the result the rules built (its label, a retransmitted
 * step, the RST's origin) and adds anomalies to it. */
void hs_diag_segment(hs_conn *c, int role, const hs_segment *s, hs_result *r);

/* The kind of an ICMP (v6: ICMPv6) error as a label: ICMP(unreachable),
 * ICMP(prohibited), ICMP(time exceeded); HS_LBL_NONE for messages that do
 * not say an attempt failed (fragmentation needed, packet too big,
 * redirect, parameter problem, source quench, echo). */
hs_label hs_icmp_kind(bool v6, uint8_t type, uint8_t code);

/* The role whose segment an ICMP error quotes (its flags and seq), or -1
 * when it matches neither side's sequence space, or both. */
int hs_icmp_quoted_role(const hs_conn *c, const hs_segment *quoted);

#endif /* HS_DIAGNOSIS_H */
