/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the Handshake connection engine.
 *
 * Pure C11, no Wireshark include: TCP segment summaries go in, one at a
 * time and in capture order; out come the handshake/close step(s) each
 * segment performs, whether its numbers check out, the anomalies it shows,
 * and the connection's state (kernel-style per side, Zeek-style overall).
 * The types are in hs_types.h; the rules in engine.c, the memory in
 * store.c, what an attempt comes to in verdicts.c.
 *
 * The epan glue (plugin/epan/packet-hs.c) feeds it on the first pass and
 * reads the cached results on every pass.  Unit tests and the fuzzer drive
 * it alone.
 */
#ifndef HS_ENGINE_H
#define HS_ENGINE_H

#include "hs_types.h"

typedef struct hs_engine hs_engine;

hs_engine *hs_engine_new(void);
void       hs_engine_free(hs_engine *eng);

/* Analyse one segment of tcp.stream `stream`.  Call once per frame, in
 * capture order.  Returns the result (valid until the next call on `eng`),
 * or NULL when the segment cannot be analysed (frame 0, absurd stream, out
 * of memory).  A frame already analysed gets its cached result. */
const hs_result *hs_engine_add(hs_engine *eng, uint32_t stream, const hs_segment *seg);

/* An ICMP or ICMPv6 error that quotes a TCP header (SPEC section 10). */
typedef struct hs_icmp {
    int64_t    time_ns;
    uint32_t   frame;
    bool       v6;              /* ICMPv6 */
    uint8_t    type, code;
    hs_segment quoted;          /* the quoted header: flags, seq (HS_HAVE_SEQ), ack */
} hs_icmp;

/* Link ICMP error m to the attempt whose segment it quotes, on the quoted
 * header's tcp.stream: on the error's own frame a result with the label
 * ICMP(...) and the frame it answers (a SYN's latest retransmission; for
 * another segment, its sender's latest, which is the quoted one unless the
 * sender sent more before the error came back); on the attempt its type, code
 * and, for a SYN, the outcome "unreachable".  NULL when m is not an error
 * that says an attempt failed (hs_icmp_kind()), or quotes nothing the
 * current attempt of that stream sent. */
const hs_result *hs_engine_icmp(hs_engine *eng, uint32_t stream, const hs_icmp *m);

/* Whether a stream has been seen (so its 4-tuple id is already known). */
bool hs_engine_stream_seen(const hs_engine *eng, uint32_t stream);

/* The cached result of a frame, copied to *out; false if there is none. */
bool hs_engine_result(const hs_engine *eng, uint32_t frame, hs_result *out);

/* A connection attempt by id (hs_result.conn), NULL if none.  The engine
 * keeps an attempt that has gone quiet packed (conn_pack.h): then it is
 * unpacked into *buf (NULL: none is returned) and the result points there;
 * otherwise it points into the engine.  Either way it is valid until the
 * next hs_engine_add() or until *buf is reused. */
const hs_conn *hs_engine_conn(const hs_engine *eng, uint32_t id, hs_conn *buf);

/* Frames without a segment after which an attempt is packed (default
 * 4096; 0 packs every attempt after each of its segments, for tests). */
void hs_engine_set_cold_frames(hs_engine *eng, uint32_t frames);

/* Number of connection attempts so far. */
uint32_t hs_engine_conn_count(const hs_engine *eng);

/* Bytes the engine holds (for the benchmark). */
size_t hs_engine_bytes(const hs_engine *eng);

/* Verdicts about a packet that need the finished attempt: SYN never
 * answered, handshake never completed, FIN never acknowledged. */
hs_anomalies hs_final_anomalies(const hs_conn *c, const hs_result *r, uint32_t frame);
/* The same verdicts for the whole attempt: the union over its packets. */
hs_anomalies hs_conn_final_anomalies(const hs_conn *c);

/* Where the capture was taken, from the validated handshake legs (SPEC
 * section 8): the SYN -> SYN+ACK leg holds the whole path's round trip
 * when the capture sits at the initiator, and almost nothing when it sits
 * at the responder; the SYN+ACK -> ACK leg the other way round. */
hs_vantage hs_vantage_of(const hs_conn *c);

/* Why the attempt ended as it did (SPEC section 10): as of `end_ns`, the
 * capture's last time once the file has been read (hs_engine_last_ns()),
 * else its last segment's.  "ended too soon" where Linux's next SYN retry
 * was not yet due by then. */
hs_outcome hs_outcome_of(const hs_conn *c, int64_t end_ns);
/* How an established attempt closed, as far as it got; HS_CK_NONE if it
 * was never established. */
hs_close_kind hs_close_kind_of(const hs_conn *c);

/* The time of the latest segment analysed: the capture's end, once read. */
int64_t hs_engine_last_ns(const hs_engine *eng);

#endif /* HS_ENGINE_H */
