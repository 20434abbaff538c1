/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_engine.c - coverage-guided fuzzer for the connection engine.
 *
 * The input is a sequence of 16-byte records, each one TCP segment (a
 * trailing partial record is ignored); or, when its length is not a
 * multiple of 16, of 20-byte records, which add the segment's IP header
 * (hop count, IPv4 ID) or make the record an ICMP error (see below).  They go through hs_engine_add in
 * order, like the epan glue does on the first pass; then every frame is read
 * back the way the glue does on later passes (result, attempt, final
 * anomalies, conn_state, history, item text).  Besides the sanitizers, a
 * few invariants that hold whatever the engine decides are checked, and
 * (for one input in four) the whole sequence is replayed into a second
 * engine, which must agree byte for byte (catches reads of uninitialised
 * or stale state).
 *
 * Record layout (little endian):
 *   b0     bits 0-2 stream (0..7), bit 3 dir, bits 4-6 HS_HAVE_* bits,
 *          bit 7 "relative": seq/ack below are offsets from the sender's
 *          and the peer's next sequence number so far (so that handshakes
 *          that check out are easy to reach)
 *   b1     TCP flags, bits 0-7
 *   b2     bits 0-3 TCP flags, bits 8-11 (AE and the reserved bits that
 *          tcp.flags also carries); bits 4-7 frame step (see frame_step;
 *          a step of 0 repeats the previous record: the same packet again)
 *   b3     bits 0-2 4-tuple id (0: unknown), bit 3 time mode (0: step
 *          forward, 1: step backward), bits 4-7 HS_HINT_* port hints
 *   b4-7   seq
 *   b8-11  ack
 *   b12-13 payload length (0xfff0.. select large lengths, see big_len)
 *   b14    bits 0-5: time step exponent; bits 6-7: which jump for frame step 15
 *   b15    time step mantissa: step = (b15 + 1) << exponent nanoseconds
 *   Options reuse bytes of the numbers (the format predates them): HS_OPT_*
 *   bits = b7 (the top byte of seq), window scale = b11 & 31, MSS = b6 b10;
 *   with HS_OPT_READ and HS_OPT_TS, a timestamp value of frame + (b15 & 15) - 8.
 *
 * 20-byte records (inputs whose length is not a multiple of 16; every
 * 16-byte input parses as before):
 *   b0-15  as above
 *   b16    hop count (TTL); with b19 bit 2, added (as int8) to the sender's
 *          last one (64 to start with)
 *   b17-18 IPv4 ID; with b19 bit 3, added to the sender's last one
 *   b19    bit 0 HS_HAVE_TTL, bit 1 HS_HAVE_IPID, bits 2-3 as above;
 *          bit 4: an ICMP error instead of a segment, quoting a TCP header
 *          of direction dir (flags, seq, ack and HS_HAVE_* as above;
 *          "relative" seq is from that direction's next sequence number,
 *          so 0xffffffff quotes its SYN); bits 5-7 its type and code, from
 *          icmp_kinds (7: type b16, code b17, ICMPv6 when b18 is odd);
 *          for a segment, bits 5-6 the number of SACK blocks, 1460 bytes
 *          each from ack + 1460 on, and bit 7 a wild last block (2^30
 *          further, its edges swapped)
 *
 * Time stays within +-2^61 ns, which covers every pcap timestamp the glue
 * can produce (32-bit seconds); see regress_time_overflow.c for what
 * happens outside it.  Streams and 4-tuple ids are small and dir is 0 or
 * 1, as the API requires.
 *
 * The same records also give 4-tuples to the table of 4-tuple ids
 * (check_tuple_ids): the same 4-tuple always gets the same id, a new one
 * the next, and ids stay what they were as the table grows.
 *
 * Built two ways:
 *   clang -fsanitize=fuzzer,address,undefined        (libFuzzer; CI and by hand)
 *   any compiler with -DHS_FUZZ_STANDALONE           (replays files given as
 *                                                     arguments: regression test)
 */
#include "engine.h"
#include "diagnosis.h"
#include "labels.h"
#include "zeek.h"
#include "negotiation.h"
#include "tuple_ids.h"
#include "../unit/same_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC 16
#define REC_EXT 20
#define N_STREAMS 8
#define TIME_LIMIT (INT64_C(1) << 61)

#define INVARIANT(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_engine: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

typedef struct decoded {
    uint32_t   stream;
    bool       icmp;               /* an ICMP error (m), not a segment (seg) */
    hs_segment seg;
    hs_icmp    m;
} decoded;

typedef struct decoder {
    decoded  last;                 /* the previous segment, for frame step 0 */
    uint32_t frame;
    int64_t  time_ns;
    uint32_t next[N_STREAMS][2];   /* sender's next sequence number, for "relative" */
    uint8_t  ttl[N_STREAMS][2];    /* sender's last hop count, for relative ones */
    uint16_t ipid[N_STREAMS][2];   /* sender's last IPv4 ID, for relative ones */
} decoder;

/* ICMP errors of 20-byte records: b19 bits 5-7 (7: raw). */
static const struct { bool v6; uint8_t type, code; } icmp_kinds[7] = {
    { false, 3, 1 }, { false, 3, 3 }, { false, 3, 13 }, { false, 11, 0 },
    { true, 1, 4 }, { true, 1, 1 }, { true, 3, 0 },
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t frame_step(unsigned sel, unsigned big)
{
    /* Mostly the next frame; sometimes a gap (non-TCP frames), the same
     * frame again (must return the cached result), or a jump across the
     * engine's frame chunks (4096 results each: kept rare, each new chunk
     * costs an allocation). */
    static const uint32_t steps[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 0, 0 };
    static const uint32_t jumps[4] = { 4095, 4096, 65537, 1000000 };
    return (sel & 15) == 15 ? jumps[big & 3] : steps[sel & 15];
}

static uint32_t big_len(uint32_t v)
{
    static const uint32_t lens[16] = {
        1460, 65535, 65536, 0x7fffffff, 0x80000000u, 0xffffffffu, 0xfffffffeu, 1,
        2, 536, 9000, 0x10000000u, 0x7ffffffe, 0x80000001u, 100000, 0x00ffffffu,
    };
    return v < 0xfff0 ? v : lens[v - 0xfff0];
}

/* A 20-byte record's IP header fields: hop count and IPv4 ID, each
 * absolute or relative to the sender's last (so that runs of equal hop
 * counts and sequential IDs are easy to reach). */
static void decode_ip(decoder *d, const uint8_t *p, decoded *out)
{
    hs_segment *s = &out->seg;
    uint8_t ext = p[19];
    uint8_t *ttl = &d->ttl[out->stream][s->dir];
    uint16_t *ipid = &d->ipid[out->stream][s->dir];
    uint16_t id = (uint16_t)(p[17] | p[18] << 8);
    s->ttl = (ext & 4) ? (uint8_t)(*ttl + (uint8_t)p[16]) : p[16];
    s->ipid = (ext & 8) ? (uint16_t)(*ipid + id) : id;
    if (ext & 1) {
        s->have |= HS_HAVE_TTL;
        *ttl = s->ttl;
    }
    if (ext & 2) {
        s->have |= HS_HAVE_IPID;
        *ipid = s->ipid;
    }
    s->n_sack = (ext >> 5) & 3;
    for (unsigned k = 0; k < s->n_sack; k++) {
        s->sack[k][0] = s->ack + 1460u * (k + 1);
        s->sack[k][1] = s->sack[k][0] + 1460u;
    }
    if (s->n_sack && (ext & 0x80)) {
        uint32_t *last = s->sack[s->n_sack - 1];
        last[0] = s->ack + (UINT32_C(1) << 30) + 1460u;
        last[1] = last[0] - 1460u;
    }
}

static void decode(decoder *d, const uint8_t *p, size_t rec, decoded *out)
{
    hs_segment *s = &out->seg;
    uint32_t step = frame_step(p[2] >> 4, p[14] >> 6);
    if (step == 0 && d->frame != 0) {
        /* The same frame again: the same packet, as on a later pass. */
        *out = d->last;
        return;
    }
    if (step == 0 || step > UINT32_MAX - d->frame)
        step = 1;                              /* frame 0 does not exist */
    memset(out, 0, sizeof *out);
    out->stream = p[0] & 7;
    s->dir = (p[0] >> 3) & 1;
    s->have = (p[0] >> 4) & 7;
    bool rel = p[0] & 0x80;
    s->flags = (uint16_t)(p[1] | (p[2] & 0x0f) << 8);
    d->frame += step;
    s->frame = d->frame;
    s->tuple = p[3] & 7;
    s->hint = (uint8_t)(p[3] >> 4);
    s->len = big_len((uint32_t)p[12] | (uint32_t)p[13] << 8);
    uint32_t seq = rd32(p + 4), ack = rd32(p + 8);
    if (rel) {
        seq += d->next[out->stream][s->dir];
        ack += d->next[out->stream][!s->dir];
    }
    s->seq = seq;
    s->ack = ack;
    s->opts = p[7];
    s->wscale = p[11] & 31;
    s->mss = (uint16_t)(p[6] << 8 | p[10]);
    if ((s->opts & (HS_OPT_READ | HS_OPT_TS)) == (HS_OPT_READ | HS_OPT_TS)) {
        /* A timestamp value that mostly grows with the frame, now and
         * then older than the last (PAWS). */
        s->tsval = s->frame + (uint32_t)(p[15] & 0x0f) - 8u;
        s->have |= HS_HAVE_TSVAL;
    }
    uint8_t ext = rec == REC_EXT ? p[19] : 0;
    out->icmp = ext & 0x10;
    if (rec == REC_EXT && !out->icmp)
        decode_ip(d, p, out);
    if ((s->have & HS_HAVE_SEQ) && !out->icmp)
        d->next[out->stream][s->dir] = seq + ((s->have & HS_HAVE_LEN) ? s->len : 0) +
                                       ((s->flags & HS_TH_SYN) ? 1 : 0) + ((s->flags & HS_TH_FIN) ? 1 : 0);
    /* Time: a step forward or backward, kept within +-2^61 ns. */
    unsigned e = p[14] & 63;
    int64_t dt = e >= 52 ? TIME_LIMIT : (int64_t)((uint64_t)(p[15] + 1u) << e);
    if (dt > TIME_LIMIT)
        dt = TIME_LIMIT;
    int64_t t = d->time_ns + ((p[3] & 8) ? -dt : dt);
    if (t > TIME_LIMIT) t = TIME_LIMIT;
    if (t < -TIME_LIMIT) t = -TIME_LIMIT;
    d->time_ns = t;
    s->time_ns = t;
    if (out->icmp) {
        /* The quoted header: what TCP's dissector gives of it (options
         * and IP header fields do not matter here). */
        hs_icmp *m = &out->m;
        unsigned k = (ext >> 5) & 7;
        m->time_ns = t;
        m->frame = s->frame;
        m->v6 = k < 7 ? icmp_kinds[k].v6 : (p[18] & 1);
        m->type = k < 7 ? icmp_kinds[k].type : p[16];
        m->code = k < 7 ? icmp_kinds[k].code : p[17];
        m->quoted = (hs_segment){ .seq = s->seq, .ack = s->ack, .flags = s->flags, .dir = s->dir,
                                  .have = (uint8_t)(s->have & (HS_HAVE_SEQ | HS_HAVE_ACK)) };
    }
    d->last = *out;
}



/* SPEC section 10 on a segment's fresh result r (diagnosis.c), against the
 * segment s and its attempt as it stands after it. */
static void check_diag(const hs_engine *eng, const hs_segment *s, const hs_result *r)
{
    bool rst = (s->flags & (HS_TH_RST | HS_TH_SYN)) == HS_TH_RST;
    uint8_t ev = r->evidence;
    INVARIANT(r->origin < HS_ORIGIN_COUNT);
    INVARIANT(r->origin == HS_ORIGIN_NONE || rst);             /* only RSTs have an origin */
    INVARIANT((r->origin != HS_ORIGIN_NONE) == (ev != 0));      /* ... exactly when compared */
    INVARIANT((ev & ~(HS_EVID_TTL_SEEN | HS_EVID_TTL | HS_EVID_IPID_SEEN | HS_EVID_IPID)) == 0);
    INVARIANT(!(ev & HS_EVID_TTL) || (ev & HS_EVID_TTL_SEEN));
    INVARIANT(!(ev & HS_EVID_IPID) || (ev & HS_EVID_IPID_SEEN));
    bool odd = ev & (HS_EVID_TTL | HS_EVID_IPID);
    INVARIANT((r->origin == HS_ORIGIN_MIDDLEBOX) == odd);
    INVARIANT(((r->anomalies & HS_AN_BIT(HS_AN_RST_INJECTED)) != 0) == odd);
    INVARIANT((r->ttl_delta != 0) == ((ev & HS_EVID_TTL) != 0));
    if (ev & HS_EVID_TTL_SEEN)
        INVARIANT((s->have & HS_HAVE_TTL) && r->ttl == s->ttl && r->ttl_delta >= -255 && r->ttl_delta <= 255);
    else
        INVARIANT(r->ttl == 0 && r->ttl_delta == 0);
    if (ev & HS_EVID_IPID_SEEN)
        INVARIANT((s->have & HS_HAVE_IPID) && s->ipid != 0 && r->ipid == s->ipid &&
                  (r->ipid != r->ipid_last || (ev & HS_EVID_IPID)));
    else
        INVARIANT(r->ipid == 0 && r->ipid_last == 0);
    INVARIANT(!(r->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE)));
    hs_conn view;
    const hs_conn *c = hs_engine_conn(eng, r->conn, &view);
    INVARIANT(c != NULL);
    int role = (r->flags & HS_RES_RESPONDER) ? HS_RESPONDER : HS_INITIATOR;
    if (ev & HS_EVID_TTL_SEEN) {
        /* An RST does not move its sender's range: the delta is to it, as it stands. */
        const hs_side *me = &c->side[role];
        int want = s->ttl > me->ttl_hi ? s->ttl - me->ttl_hi : s->ttl < me->ttl_lo ? s->ttl - me->ttl_lo : 0;
        INVARIANT((me->flags & HS_SIDE_TTL) && r->ttl_delta == want);
    }
    if (r->anomalies & HS_AN_BIT(HS_AN_SYNACK_PROXY))
        INVARIANT(role == HS_RESPONDER && !rst && (s->have & HS_HAVE_TTL) && c->synack_ttl_delta != 0 &&
                  c->synack_ttl_delta == c->synack_ttl - s->ttl);
    if (r->anomalies & HS_AN_BIT(HS_AN_LISTEN_OVERFLOW))
        INVARIANT(role == HS_RESPONDER && (s->flags & (HS_TH_SYN | HS_TH_RST)) && c->step_frame[HS_STEP_ACK]);
    if (r->anomalies & HS_AN_BIT(HS_AN_SEG_OVER_MSS))
        INVARIANT((s->have & HS_HAVE_LEN) && s->len > 0);
    if (r->anomalies & HS_AN_BIT(HS_AN_SACK_OUT_OF_RANGE))
        INVARIANT(s->n_sack > 0);
}

/* An ICMP error's fresh result r (NULL: not linked), against the error m. */
static void check_icmp(const hs_engine *eng, uint32_t stream, const hs_icmp *m, const hs_result *r)
{
    hs_label kind = hs_icmp_kind(m->v6, m->type, m->code);
    INVARIANT(kind == HS_LBL_NONE || hs_label_is_icmp(kind));
    hs_result back;
    if (!r) {
        INVARIANT(!hs_engine_result(eng, m->frame, &back));   /* nothing kept */
        return;
    }
    INVARIANT(kind != HS_LBL_NONE && r->label == kind);
    INVARIANT(hs_engine_stream_seen(eng, stream));
    INVARIANT(r->conn != 0 && r->conn <= hs_engine_conn_count(eng));
    INVARIANT(r->answers < m->frame);
    INVARIANT(hs_engine_result(eng, m->frame, &back) && same_result(&back, r));
    hs_conn view;
    const hs_conn *c = hs_engine_conn(eng, r->conn, &view);
    INVARIANT(c != NULL && c->icmp_frame != 0 && c->icmp_frame <= m->frame);
    INVARIANT(hs_label_is_icmp(c->icmp_label));
    INVARIANT(c->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE));
    if ((c->flags & HS_CONN_UNREACHABLE) && !(c->flags & (HS_CONN_MIDSTREAM | HS_CONN_ESTABLISHED |
                                                          HS_CONN_REFUSED | HS_CONN_CHALLENGED)) &&
        !(c->side[HS_RESPONDER].flags & HS_SIDE_SENT))
        INVARIANT(hs_outcome_of(c, c->last_ns) == HS_OUT_UNREACHABLE);
}

/* Everything the glue reads about one frame on a later pass. */
static void read_back(const hs_engine *eng, uint32_t frame, uint32_t stream, bool final)
{
    hs_result kept;
    if (!hs_engine_result(eng, frame, &kept))
        return;
    const hs_result *r = &kept;
    INVARIANT(r->flags & HS_RES_DONE);
    INVARIANT(r->label < HS_LBL_COUNT);
    INVARIANT(r->step[0] < HS_STEP_COUNT && r->step[1] < HS_STEP_COUNT);
    INVARIANT(r->step[1] == 0 || r->step[0] != 0);
    INVARIANT(r->kstate[0] < HS_K_COUNT && r->kstate[1] < HS_K_COUNT);
    INVARIANT((r->anomalies & HS_AN_FINAL_MASK) == 0);
    INVARIANT(((uint64_t)r->anomalies >> HS_AN_COUNT) == 0);
    INVARIANT(r->answers < frame || r->answers == 0);
    INVARIANT(r->conn != 0 && r->conn <= hs_engine_conn_count(eng));

    hs_conn view;
    const hs_conn *c = hs_engine_conn(eng, r->conn, &view);
    INVARIANT(c != NULL);
    INVARIANT(c->id == r->conn);
    /* A new tcp.stream on a known 4-tuple continues the 4-tuple's attempt. */
    INVARIANT(c->stream == stream || c->tuple != 0);
    INVARIANT(c->attempt >= 1);
    INVARIANT(c->packets >= 1);
    /* An ICMP error's result names the attempt; it is none of its segments. */
    bool icmp = hs_label_is_icmp(r->label);
    INVARIANT(c->first_frame <= frame && (icmp || frame <= c->last_frame));
    INVARIANT(!icmp || (r->anomalies == HS_AN_BIT(HS_AN_ICMP_UNREACHABLE) && r->step[0] == 0 &&
                        r->origin == HS_ORIGIN_NONE && r->evidence == 0));
    INVARIANT(icmp == ((r->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE)) != 0));
    /* SPEC section 10 on the attempt. */
    INVARIANT(c->response_ns == 0 || c->data_ns != 0);
    INVARIANT(c->icmp_frame == 0 || hs_label_is_icmp(c->icmp_label));
    INVARIANT(!(c->flags & HS_CONN_UNREACHABLE) || c->icmp_frame != 0);
    INVARIANT(((c->anomalies & HS_AN_BIT(HS_AN_ICMP_UNREACHABLE)) != 0) == (c->icmp_frame != 0));
    INVARIANT(c->synack_ttl_delta == 0 || (c->flags & HS_CONN_SYNACK_TTL));
    INVARIANT(!(c->anomalies & HS_AN_BIT(HS_AN_SYNACK_PROXY)) || c->synack_ttl_delta != 0);
    INVARIANT(r->origin < HS_ORIGIN_COUNT);
    INVARIANT(c->init_dir <= 1);
    INVARIANT(c->closer <= HS_ROLE_NONE);
    for (int s = 1; s < HS_STEP_COUNT; s++)
        INVARIANT(c->step_frame[s] == 0 ||
                  (c->first_frame <= c->step_frame[s] && c->step_frame[s] <= c->last_frame));
    INVARIANT((c->anomalies & r->anomalies) == r->anomalies);

    hs_anomalies fin = hs_final_anomalies(c, r, frame);
    INVARIANT((fin & ~HS_AN_FINAL_MASK) == 0);
    hs_anomalies all = r->anomalies | (final ? fin : 0);
    for (int a = 0; a < HS_AN_COUNT; a++)    /* hs.anomaly and the expert infos */
        if (all & HS_AN_BIT(a))
            INVARIANT(hs_anomaly_name((enum hs_anomaly)a) != NULL);
    hs_conn_state cs = hs_conn_state_of(c);
    INVARIANT((unsigned)cs < HS_CS_COUNT);
    INVARIANT(hs_conn_state_name(cs) != NULL);
    const char *h = hs_history_of(c);
    INVARIANT(memchr(h, '\0', HS_HISTORY_MAX + 1) != NULL);
    for (int k = 0; k < 2; k++)
        INVARIANT(hs_kstate_name((hs_kstate)r->kstate[k]) != NULL);
    INVARIANT(hs_role_name((r->flags & HS_RES_RESPONDER) ? HS_RESPONDER : HS_INITIATOR) != NULL);
    /* What the attempt comes to (verdicts.c): the glue's words for it. */
    hs_outcome o = hs_outcome_of(c, final ? hs_engine_last_ns(eng) : c->last_ns);
    INVARIANT((unsigned)o < HS_OUT_COUNT && (o != HS_OUT_NONE) == (hs_outcome_name(o)[0] != '\0'));
    hs_close_kind k = hs_close_kind_of(c);
    INVARIANT((unsigned)k < HS_CK_COUNT && (k == HS_CK_NONE) == !(c->flags & HS_CONN_ESTABLISHED));
    INVARIANT(hs_vantage_name(hs_vantage_of(c)) != NULL);

    /* The item text, as the glue builds it (relative numbers on the first
     * pass, both ways and into a small buffer too on the last). */
    char buf[256], small[12], phrase[64];
    for (int rel = final ? 0 : 1; rel < 2; rel++) {
        int n = hs_describe(r, c, rel, buf, sizeof buf);
        INVARIANT(n >= 0 && (size_t)n < sizeof buf && strlen(buf) == (size_t)n);
        if (!final)
            continue;
        int m = hs_describe(r, c, rel, small, sizeof small);
        /* Not m == n: on truncation hs_describe returns less than
         * snprintf would (labels.h says "snprintf semantics"). */
        INVARIANT(m >= 0 && m <= n && strlen(small) < sizeof small);
        INVARIANT(strncmp(buf, small, sizeof small - 1) == 0);
        (void)hs_label_value(r, c, false, rel);
        (void)hs_label_value(r, c, true, rel);
    }
    if (final) {
        INVARIANT(hs_step_phrase(r, phrase, sizeof phrase) == phrase);
        INVARIANT(strlen(phrase) < sizeof phrase);
    }
    INVARIANT(hs_label_info_of((hs_label)r->label)->text != NULL);

    /* Negotiation: names of every outcome, the summary whole and cut. */
    INVARIANT(hs_ecn_name(hs_nego_ecn(c)) != NULL && hs_tfo_name(hs_nego_tfo(c)) != NULL);
    int n = hs_nego_summary(c, buf, sizeof buf);
    INVARIANT(n >= 0 && (size_t)n < sizeof buf && strlen(buf) == (size_t)n);
    if (final) {
        INVARIANT(hs_nego_summary(c, small, sizeof small) == n && strlen(small) < sizeof small);
        INVARIANT(strncmp(buf, small, sizeof small - 1) == 0);
    }
}

/* Every attempt's bytes, hashed (FNV-1a), packed or not. */
static uint64_t conns_hash(const hs_engine *eng)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (uint32_t id = 1; id <= hs_engine_conn_count(eng); id++) {
        hs_conn buf;
        const hs_conn *c = hs_engine_conn(eng, id, &buf);
        INVARIANT(c != NULL && c->id == id);
        const uint8_t *p = (const uint8_t *)c;
        for (size_t k = 0; k < sizeof *c; k++)
            h = (h ^ p[k]) * UINT64_C(1099511628211);
    }
    return h;
}

/* Feed the records to a new engine that packs attempts after `cold`
 * quiet frames.  `check`: read everything back and check the invariants
 * (the replay for determinism only logs results and hashes the attempts). */
static size_t record_size(size_t size) { return size % REC ? REC_EXT : REC; }

/* Add record i to the engine: a segment or an ICMP error. */
static const hs_result *feed(hs_engine *eng, const decoded *x)
{
    return x->icmp ? hs_engine_icmp(eng, x->stream, &x->m) : hs_engine_add(eng, x->stream, &x->seg);
}

static size_t run(const uint8_t *data, size_t size, uint32_t cold, hs_result *log, uint32_t *n_conns,
                  uint64_t *hash, bool check)
{
    size_t rec = record_size(size), n = size / rec;
    hs_engine *eng = hs_engine_new();
    if (!eng)
        return 0;
    hs_engine_set_cold_frames(eng, cold);
    decoder d;
    memset(&d, 0, sizeof d);
    memset(d.ttl, 64, sizeof d.ttl);
    decoded *segs = n ? calloc(n, sizeof *segs) : NULL;
    if (n && !segs) {
        hs_engine_free(eng);
        return 0;
    }

    /* First pass: add, then read at once (single-pass tshark). */
    for (size_t i = 0; i < n; i++) {
        decode(&d, data + i * rec, rec, &segs[i]);
        const hs_result *r = feed(eng, &segs[i]);
        if (!check)
            continue;
        if (segs[i].icmp) {
            check_icmp(eng, segs[i].stream, &segs[i].m, r);
            if (r)
                read_back(eng, segs[i].m.frame, segs[i].stream, false);
            continue;
        }
        INVARIANT(hs_engine_stream_seen(eng, segs[i].stream) || r == NULL);
        if (r)
            check_diag(eng, &segs[i].seg, r);
        hs_result back;
        if (r) {
            /* What the packed record gives back is what was returned. */
            INVARIANT(hs_engine_result(eng, segs[i].seg.frame, &back) && same_result(&back, r));
            read_back(eng, segs[i].seg.frame, segs[i].stream, false);
        }
    }
    INVARIANT(!check || hs_engine_bytes(eng) > 0);

    /* Later passes: every frame again, with the finished attempts; adding
     * a frame twice must change nothing. */
    for (size_t i = 0; i < n; i++) {
        uint32_t f = segs[i].seg.frame;
        hs_result kept;
        const hs_result *r = hs_engine_result(eng, f, &kept) ? &kept : NULL;
        if (r && check) {
            const hs_result *again = feed(eng, &segs[i]);
            INVARIANT(again && same_result(r, again));
        }
        if (check)
            read_back(eng, f, segs[i].stream, true);
        if (log)
            log[i] = r ? *r : (hs_result){ 0 };
    }
    if (n_conns)
        *n_conns = hs_engine_conn_count(eng);
    if (hash)
        *hash = conns_hash(eng);
    free(segs);
    hs_engine_free(eng);
    return n;
}

/* A 4-tuple from record bytes (addresses of 0 to 12 and 0 to 8 bytes
 * within the record): few distinct kinds and lengths, so that records
 * meet the same 4-tuple again. */
static void tuple_of(const uint8_t *rec, hs_endpoint *a, hs_endpoint *b)
{
    *a = (hs_endpoint){ rec + 4, (uint8_t)(rec[0] & 1), (uint8_t)(rec[1] % 4 * 4), (uint16_t)(rec[12] & 3) };
    *b = (hs_endpoint){ rec + 8, (uint8_t)(rec[0] & 1), (uint8_t)(rec[2] % 3 * 4), (uint16_t)(rec[13] & 3) };
}

static void check_tuple_ids(const uint8_t *data, size_t n, size_t rec)
{
    hs_tuple_ids *t = hs_tuple_ids_new();
    uint32_t *ids = n ? calloc(n, sizeof *ids) : NULL;
    uint32_t top = 0;
    for (size_t i = 0; t && ids && i < n; i++) {
        hs_endpoint a, b;
        tuple_of(data + i * rec, &a, &b);
        ids[i] = hs_tuple_id(t, &a, &b);
        INVARIANT(ids[i] != 0 && ids[i] <= top + 1);       /* known, or the next */
        top = ids[i] > top ? ids[i] : top;
        INVARIANT(hs_tuple_id(t, &a, &b) == ids[i]);
    }
    for (size_t i = 0; t && ids && i < n; i++) {            /* kept as the table grew */
        hs_endpoint a, b;
        tuple_of(data + i * rec, &a, &b);
        INVARIANT(hs_tuple_id(t, &a, &b) == ids[i]);
    }
    free(ids);
    hs_tuple_ids_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t rec = record_size(size), n = size / rec;
    if (n > 4096)
        return 0;                              /* keep each run short */
    hs_result *a = n ? calloc(n, sizeof *a) : NULL, *b = n ? calloc(n, sizeof *b) : NULL;
    if (n && (!a || !b)) {
        free(a);
        free(b);
        return 0;
    }
    uint32_t ca = 0, cb = 0;
    uint64_t ha = 0, hb = 0;
    /* Inputs of even length run with every attempt packed after each of
     * its segments, the others as the plugin runs. */
    size_t na = run(data, size, n % 2 ? 4096 : 0, a, &ca, &ha, true);
    /* Deterministic, and packing changes nothing: the same segments give
     * the same answers and attempts with every attempt packed.  Checked on
     * one input in four (by length, so a failure replays): each engine
     * costs a few hundred kilobytes of zeroed chunks. */
    if (n % 4 == 1) {
        size_t nb = run(data, size, 0, b, &cb, &hb, false);
        INVARIANT(na == nb && ca == cb && ha == hb);
        for (size_t i = 0; i < na; i++)
            INVARIANT(same_result(&a[i], &b[i]));
    }
    check_tuple_ids(data, n, rec);
    free(a);
    free(b);
    return 0;
}

#ifdef HS_FUZZ_STANDALONE
/* Replay inputs without libFuzzer: fuzz_engine FILE|DIR... */
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return 1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            errors++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += replay_file(argv[i]);
            files++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        struct dirent *de;
        while (dir && (de = readdir(dir)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
            errors += replay_file(path);
            files++;
        }
        if (dir)
            closedir(dir);
    }
    printf("fuzz_engine: %d inputs replayed, %d errors\n", files, errors);
    return errors ? 1 : 0;
}
#endif
