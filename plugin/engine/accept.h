/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept.h - what the receiver of a SYN, FIN or RST does with it, from its
 * state as the capture reveals it (SPEC section 8): RFC 9293 section 3.10.7,
 * with RFC 5961's challenge ACKs, in one ordered validation as Linux's
 * tcp_validate_incoming() does.  Pure C; the engine asks before it applies
 * the segment.
 */
#ifndef HS_ACCEPT_H
#define HS_ACCEPT_H

#include "hs_types.h"

/* The verdict on segment s, sent by `role` in attempt c (as it stands
 * before s), or HS_ACC_NONE when s is no SYN, FIN or RST, or when the
 * capture does not show its receiver's state. */
hs_accept hs_accept_of(const hs_conn *c, int role, const hs_segment *s);

/* "accepted", "challenge", "ignored" ("" for HS_ACC_NONE). */
const char *hs_accept_name(hs_accept a);

/* Remember what a side revealed as a receiver: its acknowledgment and window. */
void hs_accept_track(hs_side *me, const hs_segment *s);
/* Its segment s was taken by the receiver: keep its timestamp (PAWS). */
void hs_accept_took(hs_side *me, const hs_segment *s);

#endif /* HS_ACCEPT_H */
