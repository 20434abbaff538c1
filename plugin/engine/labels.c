/* SPDX-License-Identifier: GPL-2.0-or-later */
/* labels.c - label texts and item sentences (see labels.h). */
#include "labels.h"

#include <stdio.h>

static const hs_label_info label_info[HS_LBL_COUNT] = {
    [HS_LBL_NONE]          = { "",               NULL, NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_SYN]           = { "SYN(x)",         NULL, "x",  NULL, HS_SEQ_SEQ },
    [HS_LBL_SYNACK]        = { "SYN+ACK(y,x+1)", NULL, "y",  "x+1", HS_SEQ_SEQ },
    [HS_LBL_ACK_Y1]        = { "ACK(y+1)",       NULL, NULL, "y+1", HS_SEQ_NONE },
    [HS_LBL_FIN_X]         = { "FIN(X)",         NULL, "X",  NULL, HS_SEQ_FIN },
    [HS_LBL_ACK_X1]        = { "ACK(X+1)",       NULL, NULL, "X+1", HS_SEQ_NONE },
    [HS_LBL_FIN_Y]         = { "FIN(Y)",         NULL, "Y",  NULL, HS_SEQ_FIN },
    [HS_LBL_ACK_Y1_CLOSE]  = { "ACK(Y+1)",       NULL, NULL, "Y+1", HS_SEQ_NONE },
    [HS_LBL_FINACK_Y_X1]   = { "FIN+ACK(Y,X+1)", NULL, "Y",  "X+1", HS_SEQ_FIN },
    [HS_LBL_FINACK_X_Y1]   = { "FIN+ACK(X,y+1)", NULL, "X",  "y+1", HS_SEQ_FIN },
    [HS_LBL_SYN_CROSS]     = { "SYN(y)",         "Simultaneous open", "y", NULL, HS_SEQ_SEQ },
    [HS_LBL_SYNACK_CROSS]  = { "SYN+ACK(x,y+1)", "Simultaneous open", "x", "y+1", HS_SEQ_SEQ },
    [HS_LBL_RST_REFUSED]   = { "RST(refused)",   "Connection refused", NULL, "x+1", HS_SEQ_NONE },
    [HS_LBL_RST_HANDSHAKE] = { "RST(handshake)", "Reset during the handshake", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_RST_ABORT]     = { "RST(abort)",     "Connection aborted", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_RST_CLOSED]    = { "RST(after close)", "Reset after the close", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_RST]           = { "RST",            "Reset", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_SYN_FIN]       = { "SYN+FIN(invalid)", "Impossible flags", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_SYN_RST]       = { "SYN+RST(invalid)", "Impossible flags", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_NULL]          = { "NULL(invalid)",  "Impossible flags", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_XMAS]          = { "FIN+PSH+URG(invalid)", "Impossible flags", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_RST_CHALLENGED] = { "RST(challenged)", "Reset in the window, not at RCV.NXT: a challenge ACK answers it",
                                NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_RST_IGNORED]   = { "RST(ignored)",   "Reset its receiver drops", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_FIN_IGNORED]   = { "FIN(ignored)",   "FIN its receiver drops", NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_ACK_CHALLENGE] = { "ACK(challenge)", "Challenge ACK", NULL, "RCV.NXT", HS_SEQ_NONE },
    [HS_LBL_ACK_X1_SPLIT]  = { "ACK(x+1)",       NULL, NULL, "x+1", HS_SEQ_NONE },
    [HS_LBL_SYN_CHALLENGED] = { "SYN(challenged)", "SYN on the synchronized connection: a challenge ACK answers it",
                                NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_FIN_CHALLENGED] = { "FIN(challenged)", "FIN its receiver drops, answering with a challenge ACK",
                                NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_ICMP_UNREACH]  = { "ICMP(unreachable)", "Destination unreachable, answering the attempt",
                               NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_ICMP_PROHIBITED] = { "ICMP(prohibited)", "Administratively prohibited, answering the attempt",
                                 NULL, NULL, HS_SEQ_NONE },
    [HS_LBL_ICMP_TIME]     = { "ICMP(time exceeded)", "Time exceeded, answering the attempt",
                               NULL, NULL, HS_SEQ_NONE },
};

static const char *const conn_state_names[HS_CS_COUNT] = {
    "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
};

static const char *const kstate_names[HS_K_COUNT] = {
    "NONE", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
    "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSED",
};

const char *hs_conn_state_name(hs_conn_state s)
{
    return (unsigned)s < HS_CS_COUNT ? conn_state_names[s] : "OTH";
}

const char *hs_kstate_name(hs_kstate s)
{
    return (unsigned)s < HS_K_COUNT ? kstate_names[s] : "NONE";
}

const char *hs_vantage_name(hs_vantage v)
{
    static const char *const names[HS_VANTAGE_COUNT] = { "", "near initiator", "near responder", "in between" };
    return (unsigned)v < HS_VANTAGE_COUNT ? names[v] : "";
}

const char *hs_outcome_name(hs_outcome o)
{
    static const char *const names[HS_OUT_COUNT] = {
        "", "established", "refused", "unreachable", "no answer", "ended too soon", "challenged",
        "reset by initiator", "incomplete", "no handshake seen",
    };
    return (unsigned)o < HS_OUT_COUNT ? names[o] : "";
}

const char *hs_close_kind_name(hs_close_kind k)
{
    static const char *const names[HS_CK_COUNT] = {
        "", "4-packet", "3-packet", "simultaneous", "reset after close", "close then reset", "abort",
        "incomplete", "never closed",
    };
    return (unsigned)k < HS_CK_COUNT ? names[k] : "";
}

const char *hs_role_name(enum hs_role r)
{
    return r == HS_INITIATOR ? "initiator" : r == HS_RESPONDER ? "responder" : "none";
}

/* The expert info names of the anomalies (packet-hs.c registers them;
 * hs.anomaly carries them without "hs."). */
static const char *const anomaly_names[HS_AN_COUNT] = {
    [HS_AN_SYN_RETRANS]      = "hs.syn.retransmission",
    [HS_AN_SYNACK_RETRANS]   = "hs.synack.retransmission",
    [HS_AN_FIN_RETRANS]      = "hs.fin.retransmission",
    [HS_AN_SYNACK_BAD_ACK]   = "hs.synack.bad_ack",
    [HS_AN_SYNACK_BAD_SEQ]   = "hs.synack.bad_seq",
    [HS_AN_ACK_BAD]          = "hs.ack.bad_ack",
    [HS_AN_REFUSED]          = "hs.refused",
    [HS_AN_SYN_UNANSWERED]   = "hs.syn.unanswered",
    [HS_AN_HS_INCOMPLETE]    = "hs.handshake.incomplete",
    [HS_AN_NO_HANDSHAKE]     = "hs.no_handshake",
    [HS_AN_SYN_MISSING]      = "hs.syn.missing",
    [HS_AN_SYN_DATA]         = "hs.syn.data",
    [HS_AN_DATA_AFTER_FIN]   = "hs.data_after_fin",
    [HS_AN_FIN_UNACKED]      = "hs.fin.unacked",
    [HS_AN_RST_ABORT]        = "hs.rst.abort",
    [HS_AN_PORT_REUSE]       = "hs.port_reuse",
    [HS_AN_SIM_OPEN]         = "hs.simultaneous_open",
    [HS_AN_SIM_CLOSE]        = "hs.simultaneous_close",
    [HS_AN_BAD_FLAGS]        = "hs.bad_flags",
    [HS_AN_SYNACK_WRONG_DIR] = "hs.synack.wrong_direction",
    [HS_AN_OPT_UNSOLICITED]  = "hs.opt.unsolicited",
    [HS_AN_OPT_WSCALE_BIG]   = "hs.opt.wscale.too_big",
    [HS_AN_OPT_ECN_UNSOLICITED] = "hs.opt.ecn.unsolicited",
    [HS_AN_OPT_TS_MISSING]   = "hs.opt.ts.missing",
    [HS_AN_OPT_MSS_NON_SYN]  = "hs.opt.mss.non_syn",
    [HS_AN_RST_OUT_OF_WINDOW] = "hs.rst.out_of_window",
    [HS_AN_RST_CHALLENGE]    = "hs.rst.challenge",
    [HS_AN_RST_DATA]         = "hs.rst.data",
    [HS_AN_SYN_IN_CONN]      = "hs.syn.in_connection",
    [HS_AN_REVIVED]          = "hs.revived",
    [HS_AN_DATA_EARLY]       = "hs.data.before_established",
    [HS_AN_DATA_NONE]        = "hs.data.none",
    [HS_AN_ICMP_UNREACHABLE] = "hs.icmp.unreachable",
    [HS_AN_RST_INJECTED]     = "hs.rst.injected",
    [HS_AN_SYNACK_PROXY]     = "hs.synack.proxy",
    [HS_AN_LISTEN_OVERFLOW]  = "hs.listen.overflow",
    [HS_AN_SEG_OVER_MSS]     = "hs.seg.over_mss",
    [HS_AN_SACK_OUT_OF_RANGE] = "hs.sack.out_of_range",
};

const char *hs_anomaly_name(enum hs_anomaly a)
{
    return (unsigned)a < HS_AN_COUNT ? anomaly_names[a] : "hs.anomaly";
}

const hs_label_info *hs_label_info_of(hs_label label)
{
    return &label_info[(unsigned)label < HS_LBL_COUNT ? label : HS_LBL_NONE];
}

hs_label hs_label_of_steps(uint8_t a, uint8_t b)
{
    static const hs_label single[HS_STEP_COUNT] = {
        HS_LBL_NONE, HS_LBL_SYN, HS_LBL_SYNACK, HS_LBL_ACK_Y1, HS_LBL_FIN_X,
        HS_LBL_ACK_X1, HS_LBL_FIN_Y, HS_LBL_ACK_Y1_CLOSE,
    };
    if (a == HS_STEP_ACK1 && b == HS_STEP_FIN2)
        return HS_LBL_FINACK_Y_X1;
    if (a == HS_STEP_ACK && b == HS_STEP_FIN1)
        return HS_LBL_FINACK_X_Y1;
    return a < HS_STEP_COUNT ? single[a] : HS_LBL_NONE;
}

void hs_label_numbers(hs_result *r, const hs_segment *s)
{
    const hs_label_info *li = hs_label_info_of((hs_label)r->label);
    r->seq = li->seq_kind == HS_SEQ_FIN ? s->seq + s->len : s->seq;
    r->ack = s->ack;
}

uint32_t hs_label_value(const hs_result *r, const hs_conn *c, bool is_ack, bool relative)
{
    uint32_t v = is_ack ? r->ack : r->seq;
    if (!relative || !c)
        return v;
    int sender = (r->flags & HS_RES_RESPONDER) ? HS_RESPONDER : HS_INITIATOR;
    const hs_side *side = &c->side[is_ack ? !sender : sender];
    return (side->flags & HS_SIDE_ISN) ? v - side->isn : v;
}

const char *hs_step_phrase(const hs_result *r, char *buf, size_t n)
{
    uint8_t a = r->step[0], b = r->step[1];
    const char *prefix = hs_label_info_of((hs_label)r->label)->prefix;
    if (!a)
        snprintf(buf, n, "%s", prefix ? prefix : "");
    else if (a == HS_STEP_ACK && b == HS_STEP_FIN1)
        snprintf(buf, n, "Step 3/3 of the opening handshake and 1/4 of the close");
    else if (b)
        snprintf(buf, n, "Steps %d+%d/4 of the close", a - HS_STEP_ACK, b - HS_STEP_ACK);
    else if (a <= HS_STEP_ACK)
        snprintf(buf, n, "Step %d/3 of the opening handshake", a);
    else
        snprintf(buf, n, "Step %d/4 of the close", a - HS_STEP_ACK);
    return buf;
}

int hs_describe(const hs_result *r, const hs_conn *c, bool relative, char *buf, size_t n)
{
    const hs_label_info *li = hs_label_info_of((hs_label)r->label);
    char phrase[64];
    int len = snprintf(buf, n, "%s: %s%s", hs_step_phrase(r, phrase, sizeof phrase), li->text,
                       (r->flags & HS_RES_RETRANS) ? " (retransmission)" : "");
    if (li->seq_name && len >= 0 && (size_t)len < n)
        len += snprintf(buf + len, n - (size_t)len, "  %s=%u", li->seq_name,
                        (unsigned)hs_label_value(r, c, false, relative));
    if (li->ack_name && len >= 0 && (size_t)len < n)
        len += snprintf(buf + len, n - (size_t)len, "  %s=%u", li->ack_name,
                        (unsigned)hs_label_value(r, c, true, relative));
    return len;
}

const char *hs_origin_name(hs_origin o)
{
    static const char *const names[HS_ORIGIN_COUNT] = { NULL, "peer", "middlebox suspected" };
    return (unsigned)o < HS_ORIGIN_COUNT ? names[o] : NULL;
}
