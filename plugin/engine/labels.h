/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * labels.h - the words of SPEC section 1: label texts, the names of the
 * numbers each label names (x, y+1, X ...), and the tree item sentence.
 * Pure C, shared by the engine, the glue and the reports.
 */
#ifndef HS_LABELS_H
#define HS_LABELS_H

#include "hs_types.h"

typedef struct hs_label_info {
    const char *text;      /* hs.label */
    const char *prefix;    /* item text before the label when there is no step */
    const char *seq_name;  /* the sender's number it names ("y"), or NULL */
    const char *ack_name;  /* the acknowledgment it names ("x+1"), or NULL */
    uint8_t     seq_kind;  /* HS_SEQ_*: where the named sequence number comes from */
} hs_label_info;

enum { HS_SEQ_NONE, HS_SEQ_SEQ, HS_SEQ_FIN /* seq + len: the FIN's own number */ };

const hs_label_info *hs_label_info_of(hs_label label);

/* Whether a result with this label is an ICMP error linked to an attempt:
 * sent by neither side, not one of its segments. */
static inline bool hs_label_is_icmp(unsigned label)
{
    return label >= HS_LBL_ICMP_UNREACH && label <= HS_LBL_ICMP_TIME;
}

/* The expert info name of an anomaly: "hs.syn.retransmission" ... */
const char *hs_anomaly_name(enum hs_anomaly a);

/* The label of a packet doing steps a (and b). */
hs_label hs_label_of_steps(uint8_t a, uint8_t b);

/* Store in r->seq / r->ack the numbers r->label names. */
void hs_label_numbers(hs_result *r, const hs_segment *s);

/* A named number as shown: absolute, or relative to its side's ISN when
 * asked and known.  is_ack selects r->ack (the receiver's space). */
uint32_t hs_label_value(const hs_result *r, const hs_conn *c, bool is_ack, bool relative);

/* "Step 2/3 of the opening handshake" (or the label's prefix). */
const char *hs_step_phrase(const hs_result *r, char *buf, size_t n);

/* The full item text, e.g.
 * "Step 2/3 of the opening handshake: SYN+ACK(y,x+1)  y=3859825850  x+1=1337949937".
 * Always NUL-terminated; returns a value >= n when the text was cut. */
int hs_describe(const hs_result *r, const hs_conn *c, bool relative, char *buf, size_t n);

/* Names of states, roles and vantage points. */
const char *hs_conn_state_name(hs_conn_state s);
const char *hs_kstate_name(hs_kstate s);
const char *hs_role_name(enum hs_role r);
const char *hs_vantage_name(hs_vantage v);
/* SPEC section 10's words: "established", "no answer" ...; "4-packet" ... */
const char *hs_outcome_name(hs_outcome o);
const char *hs_close_kind_name(hs_close_kind k);
/* An RST's origin: "peer", "middlebox suspected"; NULL for none. */
const char *hs_origin_name(hs_origin o);

#endif /* HS_LABELS_H */
