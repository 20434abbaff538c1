/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hs_types.h - the types every part of the engine shares: one TCP segment
 * as Wireshark decoded it (hs_segment), one connection attempt (hs_conn)
 * with its two sides (hs_side) and Zeek's view of it (hs_zeek), what one
 * segment did (hs_result), and the names those carry: flags, steps, labels,
 * anomalies, kernel and Zeek states, verdicts.  Types only, and the
 * sequence-space helpers: the modules (accept, negotiation, zeek, labels,
 * conn_pack, store) depend on these, not on each other's code, and the
 * rules (engine.c) call them.
 *
 * Pure C11, no Wireshark include.
 */
#ifndef HS_TYPES_H
#define HS_TYPES_H


#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP header flag bits, as in the header's flags field. */
enum {
    HS_TH_FIN = 0x001, HS_TH_SYN = 0x002, HS_TH_RST = 0x004, HS_TH_PSH = 0x008,
    HS_TH_ACK = 0x010, HS_TH_URG = 0x020, HS_TH_ECE = 0x040, HS_TH_CWR = 0x080,
    HS_TH_AE  = 0x100
};

/* Which numbers of a segment are known (quoted or truncated headers lack some). */
enum { HS_HAVE_SEQ = 1, HS_HAVE_ACK = 2, HS_HAVE_LEN = 4, HS_HAVE_WIN = 8, HS_HAVE_TSVAL = 16,
       HS_HAVE_TTL = 32,    /* the IP header's hop count (TTL, hop limit) */
       HS_HAVE_IPID = 64,   /* an IPv4 identification */
       HS_HAVE_ALL = HS_HAVE_SEQ | HS_HAVE_ACK | HS_HAVE_LEN };

/* SACK blocks kept of a segment: TCP's own tap keeps as many. */
#define HS_SACK_MAX 4

/* One TCP segment as Wireshark decoded it. */
typedef struct hs_segment {
    int64_t  time_ns;   /* capture time, nanoseconds */
    uint32_t frame;     /* frame number, 1-based */
    uint32_t seq;       /* raw (absolute) sequence number */
    uint32_t ack;       /* raw acknowledgment number (meaningful with ACK) */
    uint32_t len;       /* payload length */
    uint16_t flags;     /* HS_TH_* */
    uint8_t  dir;       /* 0 or 1: which endpoint of the stream sent it */
    uint8_t  have;      /* HS_HAVE_* */
    uint32_t tuple;     /* id of the 4-tuple (0: unknown); see below */
    uint8_t  hint;      /* HS_HINT_*: needed on a stream's first segment only */
    uint8_t  opts;      /* HS_OPT_*: the TCP options it carries */
    uint8_t  wscale;    /* window scale shift (with HS_OPT_WS) */
    uint16_t mss;       /* MSS (with HS_OPT_MSS) */
    uint32_t win;       /* window, scaled where Wireshark knows the scale (HS_HAVE_WIN) */
    uint32_t tsval;     /* its timestamp value (HS_HAVE_TSVAL: options read, a timestamp there) */
    uint16_t ipid;      /* IPv4 identification (HS_HAVE_IPID) */
    uint8_t  ttl;       /* IPv4 TTL or IPv6 hop limit (HS_HAVE_TTL) */
    uint8_t  n_sack;    /* SACK blocks read (options read, with ACK) */
    uint32_t sack[HS_SACK_MAX][2];  /* their raw left and right edges */
} hs_segment;
/* Wireshark may give a reused 4-tuple a new tcp.stream (4.0: a SYN with a
 * new ISN; 4.2+: also a SYN after FIN or RST).  To still see port reuse,
 * the caller numbers 4-tuples densely (1, 2, ...) and passes the id with
 * the first segment of each stream; later segments may leave it 0. */

/* TCP options of a segment.  MP_CAPABLE comes with TCP's own header data;
 * the others are known only where the options were read (HS_OPT_READ:
 * the negotiation preference gives the glue a protocol tree). */
enum {
    HS_OPT_READ   = 0x01,  /* the options below were read (else unknown) */
    HS_OPT_MSS    = 0x02,
    HS_OPT_WS     = 0x04,  /* window scale */
    HS_OPT_SACKP  = 0x08,  /* SACK permitted */
    HS_OPT_TS     = 0x10,  /* timestamps */
    HS_OPT_TFO    = 0x20,  /* Fast Open option without a cookie: a cookie request */
    HS_OPT_COOKIE = 0x40,  /* Fast Open option with a cookie */
    HS_OPT_MPC    = 0x80   /* MPTCP MP_CAPABLE (always known) */
};

/* Roles within one connection attempt. */
enum hs_role { HS_INITIATOR = 0, HS_RESPONDER = 1, HS_ROLE_NONE = 2 };

/* Steps of SPEC section 1; 0 means "no step". */
enum hs_step {
    HS_STEP_NONE = 0,
    HS_STEP_SYN, HS_STEP_SYNACK, HS_STEP_ACK,        /* opening: 1..3 */
    HS_STEP_FIN1, HS_STEP_ACK1, HS_STEP_FIN2, HS_STEP_ACK2, /* close: 4..7 */
    HS_STEP_COUNT
};

/* Labels (hs.label).  Text and the names of the numbers in labels.c. */
typedef enum hs_label {
    HS_LBL_NONE = 0,
    HS_LBL_SYN,             /* SYN(x) */
    HS_LBL_SYNACK,          /* SYN+ACK(y,x+1) */
    HS_LBL_ACK_Y1,          /* ACK(y+1) */
    HS_LBL_FIN_X,           /* FIN(X) */
    HS_LBL_ACK_X1,          /* ACK(X+1) */
    HS_LBL_FIN_Y,           /* FIN(Y) */
    HS_LBL_ACK_Y1_CLOSE,    /* ACK(Y+1) */
    HS_LBL_FINACK_Y_X1,     /* FIN+ACK(Y,X+1): steps 5 and 6 together */
    HS_LBL_FINACK_X_Y1,     /* FIN+ACK(X,y+1): steps 3 and 4 together */
    HS_LBL_SYN_CROSS,       /* SYN(y): the responder's SYN crossing ours */
    HS_LBL_SYNACK_CROSS,    /* SYN+ACK(x,y+1): the initiator's answer to it */
    HS_LBL_RST_REFUSED,     /* RST answering a SYN */
    HS_LBL_RST_HANDSHAKE,   /* RST during the handshake */
    HS_LBL_RST_ABORT,       /* RST of an established connection */
    HS_LBL_RST_CLOSED,      /* RST after both FINs */
    HS_LBL_RST,             /* any other RST */
    HS_LBL_SYN_FIN,         /* impossible flag combinations */
    HS_LBL_SYN_RST,
    HS_LBL_NULL,
    HS_LBL_XMAS,
    HS_LBL_RST_CHALLENGED,  /* RST in the window, not at RCV.NXT (RFC 5961) */
    HS_LBL_RST_IGNORED,     /* RST the receiver drops */
    HS_LBL_FIN_IGNORED,     /* FIN the receiver drops */
    HS_LBL_ACK_CHALLENGE,   /* ACK(challenge): the answer to a challenged RST or SYN */
    HS_LBL_ACK_X1_SPLIT,    /* ACK(x+1): the responder completing a simultaneous open */
    HS_LBL_SYN_CHALLENGED,  /* SYN on the synchronized connection (RFC 5961 4.2) */
    HS_LBL_FIN_CHALLENGED,  /* FIN its receiver answers with a challenge ACK (its ACK of data never sent) */
    HS_LBL_ICMP_UNREACH,    /* ICMP(unreachable): an ICMP/ICMPv6 error quoting a segment of the attempt */
    HS_LBL_ICMP_PROHIBITED, /* ICMP(prohibited): administratively prohibited */
    HS_LBL_ICMP_TIME,       /* ICMP(time exceeded) */
    HS_LBL_COUNT
} hs_label;

/* Anomalies, one bit each; names and severities in the glue's expert table. */
enum hs_anomaly {
    HS_AN_SYN_RETRANS,        /* SYN retransmitted */
    HS_AN_SYNACK_RETRANS,     /* SYN+ACK retransmitted */
    HS_AN_FIN_RETRANS,        /* FIN retransmitted */
    HS_AN_SYNACK_BAD_ACK,     /* SYN+ACK ack != x+1 */
    HS_AN_SYNACK_BAD_SEQ,     /* SYN+ACK with another y than before */
    HS_AN_ACK_BAD,            /* handshake ACK: ack != y+1 or seq != x+1 */
    HS_AN_REFUSED,            /* RST answering a SYN */
    HS_AN_SYN_UNANSWERED,     /* (final) SYN never answered */
    HS_AN_HS_INCOMPLETE,      /* (final) SYN+ACK never acknowledged */
    HS_AN_NO_HANDSHAKE,       /* connection seen without its handshake */
    HS_AN_SYN_MISSING,        /* SYN+ACK seen without the SYN */
    HS_AN_SYN_DATA,           /* payload on a SYN (TCP Fast Open) */
    HS_AN_DATA_AFTER_FIN,     /* new data beyond the sender's own FIN */
    HS_AN_FIN_UNACKED,        /* (final) FIN never acknowledged */
    HS_AN_RST_ABORT,          /* RST of an established connection */
    HS_AN_PORT_REUSE,         /* new attempt on the same 4-tuple */
    HS_AN_SIM_OPEN,           /* SYN crossing SYN */
    HS_AN_SIM_CLOSE,          /* FIN crossing FIN */
    HS_AN_BAD_FLAGS,          /* SYN+FIN, SYN+RST, no flags, FIN+PSH+URG */
    HS_AN_SYNACK_WRONG_DIR,   /* SYN+ACK from the initiator */
    HS_AN_OPT_UNSOLICITED,    /* SYN+ACK grants WS, SACK-permitted or TS the SYN did not offer */
    HS_AN_OPT_WSCALE_BIG,     /* window scale shift above 14 */
    HS_AN_OPT_ECN_UNSOLICITED,/* ECN-setup SYN+ACK answering a non-ECN SYN */
    HS_AN_OPT_TS_MISSING,     /* timestamps in use, a later segment without them */
    HS_AN_OPT_MSS_NON_SYN,    /* MSS option without SYN */
    HS_AN_RST_OUT_OF_WINDOW,  /* RST the receiver drops (stale or injected) */
    HS_AN_RST_CHALLENGE,      /* RST in the window, not at RCV.NXT: challenge ACK */
    HS_AN_RST_DATA,           /* RST with payload */
    HS_AN_SYN_IN_CONN,        /* SYN on a synchronized, unclosed connection */
    HS_AN_REVIVED,            /* handshake or data after the attempt was refused or reset */
    HS_AN_DATA_EARLY,         /* data before the handshake completed (TFO aside) */
    HS_AN_DATA_NONE,          /* (final) an established connection closed with no payload either way */
    /* SPEC section 10: who stopped it (diagnosis.c, hs_engine_icmp()). */
    HS_AN_ICMP_UNREACHABLE,   /* an ICMP/ICMPv6 error answers a segment of the attempt */
    HS_AN_RST_INJECTED,       /* RST whose hop count or IP ID does not fit its sender's */
    HS_AN_SYNACK_PROXY,       /* the SYN+ACK's hop count differs from the responder's later packets */
    HS_AN_LISTEN_OVERFLOW,    /* SYN+ACK again (or RST) after the handshake's ACK: accept queue full */
    HS_AN_SEG_OVER_MSS,       /* payload above the MSS its receiver announced (options read) */
    HS_AN_SACK_OUT_OF_RANGE,  /* SACK block outside what the peer sent (options read) */
    HS_AN_COUNT
};
/* A set of anomalies: one bit each. */
typedef uint64_t hs_anomalies;
#define HS_AN_BIT(a) (UINT64_C(1) << (a))
/* Verdicts that need the whole capture: the engine never sets these per
 * packet; hs_final_anomalies() derives them from the finished attempt. */
#define HS_AN_FINAL_MASK (HS_AN_BIT(HS_AN_SYN_UNANSWERED) | \
                          HS_AN_BIT(HS_AN_HS_INCOMPLETE) | \
                          HS_AN_BIT(HS_AN_FIN_UNACKED) | \
                          HS_AN_BIT(HS_AN_DATA_NONE))
_Static_assert(HS_AN_COUNT <= 64, "anomalies are bits of an hs_anomalies");

/* Kernel-style per-side states (names as in the Linux kernel). */
typedef enum hs_kstate {
    HS_K_NONE = 0, HS_K_LISTEN, HS_K_SYN_SENT, HS_K_SYN_RECV, HS_K_ESTABLISHED,
    HS_K_FIN_WAIT1, HS_K_FIN_WAIT2, HS_K_CLOSING, HS_K_TIME_WAIT,
    HS_K_CLOSE_WAIT, HS_K_LAST_ACK, HS_K_CLOSED, HS_K_COUNT
} hs_kstate;

/* Zeek's endpoint states (TCP_ENDPOINT_*). */
typedef enum hs_zstate {
    HS_Z_INACTIVE = 0, HS_Z_SYN_SENT, HS_Z_SYN_ACK_SENT, HS_Z_PARTIAL,
    HS_Z_ESTABLISHED, HS_Z_CLOSED, HS_Z_RESET
} hs_zstate;

/* Zeek's conn_state values. */
typedef enum hs_conn_state {
    HS_CS_S0, HS_CS_S1, HS_CS_SF, HS_CS_REJ, HS_CS_S2, HS_CS_S3, HS_CS_RSTO,
    HS_CS_RSTR, HS_CS_RSTOS0, HS_CS_RSTRH, HS_CS_SH, HS_CS_SHR, HS_CS_OTH,
    HS_CS_COUNT
} hs_conn_state;

/* Per-side facts of one attempt.  Indexed by role. */
typedef struct hs_side {
    uint32_t isn;          /* x (initiator) or y (responder) */
    uint32_t fin_seq;      /* sequence number of this side's FIN */
    uint32_t next_seq;     /* highest seq + len (+SYN/FIN) sent so far */
    uint32_t syn_len;      /* payload carried on its SYN (TFO) */
    uint16_t flags;        /* HS_SIDE_* */
    uint8_t  kstate;       /* hs_kstate, as of the last segment */
    /* What its latest SYN (initiator) or SYN+ACK (responder) offered:
     * negotiation.c. */
    uint8_t  offer;        /* HS_OPT_* */
    uint16_t mss;
    uint8_t  wscale;
    uint8_t  ecn;          /* its AE, CWR, ECE flags (HS_ECN_*) */
    /* What the capture reveals of it as a receiver (accept.c). */
    uint32_t ack;          /* highest acknowledgment number it sent (HS_SIDE_ACK) */
    uint32_t win;          /* the window it last advertised (HS_SIDE_WIN) */
    uint32_t ts_recent;    /* the timestamp value of its last segment the peer took (HS_SIDE_TSVAL) */
    uint32_t challenged;   /* frame of a RST or SYN it should answer with a challenge ACK */
    /* Timing. */
    uint8_t  retries;      /* retransmissions of its SYN or SYN+ACK (saturating) */
    /* Its IP headers (diagnosis.c): the hop counts of its packets other
     * than RSTs (HS_SIDE_TTL), its last non-zero IPv4 identification and
     * how many times in a row it followed the one before (HS_SIDE_IPID). */
    uint8_t  ttl_lo, ttl_hi;
    uint8_t  ipid_run;
    uint16_t ipid;
    uint16_t ipid_odd;     /* the last ID that did not follow a sequence (0: none) */
    uint32_t last_frame;   /* its latest segment */
    uint32_t syn_frame;    /* its latest SYN (initiator) or SYN+ACK (responder) */
    int64_t  syn_ns;       /* when it last sent its SYN or SYN+ACK */
} hs_side;

/* The ECN-related flags of a SYN or SYN+ACK, as offered (hs_side.ecn). */
enum { HS_ECN_SEEN = 0x8, HS_ECN_AE = 0x4, HS_ECN_CWR = 0x2, HS_ECN_ECE = 0x1 };

/* Zeek's view of one endpoint (zeek.c), indexed by dir, not role: Zeek
 * has its own originator, which may differ from ours (docs/zeek-rules.md). */
typedef struct hs_zeek_end {
    uint32_t start;        /* Zeek's start_seq */
    uint32_t last_seq;     /* one past the highest sequence number seen */
    uint32_t ack_seq;      /* highest acknowledgment of this side's data (Zeek's ack_seq) */
    uint16_t seq_wraps, ack_wraps; /* times last_seq / ack_seq wrapped past 2^32 */
    uint32_t hist_last[3]; /* keys of the last S/H, F and R letters */
    uint32_t rxmit, rxmit_next;  /* retransmissions (T) and next threshold */
    uint8_t  state, prev_state;  /* hs_zstate */
    uint8_t  flags;        /* HS_ZEND_* */
    uint8_t  pad;
} hs_zeek_end;

enum { HS_ZEND_FIN = 1 /* sent a FIN (Zeek's FIN_cnt > 0) */ };

#define HS_HISTORY_MAX 23

typedef struct hs_zeek {
    hs_zeek_end end[2];    /* by dir */
    int64_t  last_ns;      /* Zeek's last_time: stops once both sides closed */
    int64_t  attempt_at;   /* AttemptTimer: first SYN + 5 s, 0 when spent */
    int64_t  close_at;     /* deletion after a complete close, 0 if none */
    uint8_t  did_close;    /* bit per dir */
    uint8_t  orig_dir;     /* dir of Zeek's originator */
    uint8_t  hist_len;
    uint16_t hist_seen;    /* Zeek's hist_seen: orig bits 0-7, resp bits 8-15 */
    char     history[HS_HISTORY_MAX + 1];
} hs_zeek;

/* Hints from the ports, for Zeek's likely_server_ports heuristic. */
enum { HS_HINT_SPORT_SERVER = 1, HS_HINT_DPORT_SERVER = 2, HS_HINT_SPORT_LOWER = 4,
       HS_HINT_PORTS_EQUAL = 8 };

enum {
    HS_SIDE_ISN       = 0x001,  /* isn known */
    HS_SIDE_ISN_GUESS = 0x002,  /* isn inferred from the peer's ack */
    HS_SIDE_SYN       = 0x004,  /* sent a SYN (pure or with ACK) */
    HS_SIDE_FIN       = 0x008,  /* sent a FIN */
    HS_SIDE_FIN_ACKED = 0x010,  /* its FIN was acknowledged */
    HS_SIDE_RST       = 0x020,  /* sent a RST */
    HS_SIDE_SENT      = 0x040,  /* sent anything at all */
    HS_SIDE_NEXT      = 0x080,  /* next_seq valid */
    HS_SIDE_SYN_RETX  = 0x100,  /* its SYN or SYN+ACK was retransmitted */
    HS_SIDE_SYNACK    = 0x200,  /* sent a SYN+ACK */
    HS_SIDE_ACK       = 0x400,  /* ack valid */
    HS_SIDE_WIN       = 0x800,  /* win valid */
    HS_SIDE_TSVAL     = 0x1000, /* ts_recent valid */
    HS_SIDE_DATA      = 0x2000, /* sent payload its receiver took */
    HS_SIDE_TTL       = 0x4000, /* ttl_lo, ttl_hi valid */
    HS_SIDE_IPID      = 0x8000  /* ipid valid */
};

/* One connection attempt (Zeek: one conn.log row). */
typedef struct hs_conn {
    uint32_t stream;       /* tcp.stream */
    uint32_t attempt;      /* 1-based, on the 4-tuple */
    uint32_t id;           /* index in the engine, 1-based */
    uint32_t tuple;        /* 4-tuple id, 0 if unknown */
    uint32_t step_frame[HS_STEP_COUNT];  /* first frame of each step */
    uint32_t first_frame, last_frame;
    uint32_t packets;
    hs_anomalies anomalies; /* union of the packets' anomalies */
    int64_t  first_ns, last_ns;
    int64_t  step_ns[HS_STEP_ACK + 1];   /* time of validated steps 1..3 */
    int64_t  syn_ns;       /* first SYN of the attempt (0: none) */
    int64_t  open_ns;      /* the handshake completed (0: not yet) */
    int64_t  fin_ns;       /* first FIN (0: none) */
    int64_t  closed_ns;    /* the last close step, both FINs acknowledged (0: not yet) */
    int64_t  data_ns;      /* the initiator's first payload after the handshake (0: none) */
    int64_t  response_ns;  /* the responder's first payload after that (0: none) */
    /* The first ICMP/ICMPv6 error answering one of its segments (SPEC 10). */
    uint32_t icmp_frame;   /* 0: none */
    uint8_t  icmp_type, icmp_code;
    uint8_t  icmp_label;   /* HS_LBL_ICMP_*: its kind */
    uint8_t  synack_ttl;   /* the SYN+ACK's hop count (with synack_hops) */
    int16_t  synack_ttl_delta; /* minus the first later one of the responder's that differs (HS_CONN_SYNACK_TTL) */
    uint8_t  synack_hops;  /* synack_ttl known */
    uint8_t  pad;
    hs_side  side[2];      /* by role */
    uint16_t flags;        /* HS_CONN_* */
    uint8_t  init_dir;     /* dir of the initiator */
    uint8_t  closer;       /* role of the active closer, or HS_ROLE_NONE */
    uint8_t  hint0;        /* port hints as seen from dir 0's side */
    hs_zeek  zeek;         /* Zeek's conn_state and history (zeek.c) */
} hs_conn;

enum {
    HS_CONN_ESTABLISHED = 0x001,  /* handshake done (or assumed) */
    HS_CONN_MIDSTREAM   = 0x002,  /* no SYN nor SYN+ACK seen first */
    HS_CONN_FLIPPED     = 0x004,  /* began with the SYN+ACK: roles swapped */
    HS_CONN_REFUSED     = 0x008,
    HS_CONN_RESET       = 0x010,
    HS_CONN_SIM_OPEN    = 0x020,
    HS_CONN_SIM_CLOSE   = 0x040,
    HS_CONN_SYN_RETX    = 0x080,  /* SYN retransmitted: no SYN->SYN+ACK RTT */
    HS_CONN_SYNACK_RETX = 0x100,  /* SYN+ACK retransmitted: no SYN+ACK->ACK RTT */
    HS_CONN_TFO_ACKED   = 0x200,  /* the SYN+ACK acknowledged the SYN's data */
    HS_CONN_TFO_IGNORED = 0x400,  /* the SYN+ACK acknowledged x+1 only */
    HS_CONN_REVIVED     = 0x800,  /* went on after an accepted RST */
    HS_CONN_CHALLENGED  = 0x1000, /* its first SYN met an older connection, which challenged it */
    HS_CONN_UNREACHABLE = 0x2000, /* an ICMP/ICMPv6 error quoted its SYN */
    HS_CONN_SYNACK_TTL  = 0x4000, /* synack_ttl_delta known */
    HS_CONN_RST_PEER    = 0x8000  /* an RST judged sent by its peer (HS_AN_RST_INJECTED: one was not) */
};

/* What one segment did.  The engine keeps it per frame in HS_FRAME_BYTES
 * (store.h); this is the unpacked view callers read. */
typedef struct hs_result {
    uint32_t conn;         /* hs_conn id, 0 = not analysed */
    uint32_t answers;      /* frame of the step this one answers, 0 none */
    uint32_t seq, ack;     /* the segment's raw numbers */
    hs_anomalies anomalies; /* HS_AN_BIT()s raised by this segment */
    uint8_t  step[2];      /* hs_step, second one for combined packets */
    uint8_t  label;        /* hs_label */
    uint8_t  flags;        /* HS_RES_* */
    uint8_t  kstate[2];    /* per role, after this segment */
    uint8_t  accept;       /* hs_accept: what its receiver does with it */
    uint8_t  pad;
    uint32_t retry_us;     /* a retransmitted SYN or SYN+ACK: µs since the previous one */
    /* An RST: who sent it, by its IP header against its sender's other
     * packets (diagnosis.c); an ICMP error: its kind is the label. */
    uint8_t  origin;       /* hs_origin */
    uint8_t  evidence;     /* HS_EVID_*: what does not fit */
    uint8_t  ttl;          /* its hop count */
    int16_t  ttl_delta;    /* minus the nearest of its sender's (HS_EVID_TTL_SEEN): -255 to 255 */
    uint16_t ipid, ipid_last; /* its IP ID and its sender's last (HS_EVID_IPID_SEEN) */
} hs_result;

/* Who sent an RST (hs.rst.origin). */
typedef enum hs_origin { HS_ORIGIN_NONE = 0, HS_ORIGIN_PEER, HS_ORIGIN_MIDDLEBOX, HS_ORIGIN_COUNT } hs_origin;
enum {
    HS_EVID_TTL_SEEN  = 0x1,  /* hop counts compared */
    HS_EVID_TTL       = 0x2,  /* ... and its own is outside its sender's range */
    HS_EVID_IPID_SEEN = 0x4,  /* IP IDs compared (its sender's are sequential) */
    HS_EVID_IPID      = 0x8   /* ... and its own does not follow them */
};

/* What the receiver of a SYN, FIN or RST does with it (SPEC section 8). */
typedef enum hs_accept {
    HS_ACC_NONE = 0,       /* the capture does not show the receiver's state */
    HS_ACC_ACCEPTED, HS_ACC_CHALLENGE, HS_ACC_IGNORED, HS_ACC_COUNT
} hs_accept;

enum {
    HS_RES_DONE      = 0x01,  /* computed (first pass) */
    HS_RES_RESPONDER = 0x02,  /* sent by the responder */
    HS_RES_CHECKED   = 0x04,  /* the label's numbers could be checked */
    HS_RES_VALID     = 0x08,  /* ... and they check out */
    HS_RES_RETRANS   = 0x10,  /* a retransmitted step */
    HS_RES_NEW       = 0x20   /* first segment of its attempt */
};

/* Why an attempt ended as it did (SPEC section 10, hs_outcome_of()). */
typedef enum hs_outcome {
    HS_OUT_NONE = 0,
    HS_OUT_ESTABLISHED, HS_OUT_REFUSED, HS_OUT_UNREACHABLE, HS_OUT_NO_ANSWER, HS_OUT_TOO_SOON,
    HS_OUT_CHALLENGED, HS_OUT_RESET_BY_INITIATOR, HS_OUT_INCOMPLETE, HS_OUT_NO_HANDSHAKE, HS_OUT_COUNT
} hs_outcome;

/* How an established attempt closed (SPEC section 10, hs_close_kind_of()). */
typedef enum hs_close_kind {
    HS_CK_NONE = 0,
    HS_CK_FOUR, HS_CK_THREE, HS_CK_SIMULTANEOUS, HS_CK_RESET_AFTER_CLOSE, HS_CK_CLOSE_THEN_RESET,
    HS_CK_ABORT, HS_CK_INCOMPLETE, HS_CK_NEVER, HS_CK_COUNT
} hs_close_kind;

/* Where the capture was taken (hs_vantage_of(), engine.h). */
typedef enum hs_vantage {
    HS_VANTAGE_NONE,       /* legs not both measured, or too short to tell */
    HS_VANTAGE_INITIATOR, HS_VANTAGE_RESPONDER, HS_VANTAGE_BETWEEN, HS_VANTAGE_COUNT
} hs_vantage;

/* Sequence-space arithmetic, modulo 2^32. */
static inline bool hs_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool hs_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

#endif /* HS_TYPES_H */
