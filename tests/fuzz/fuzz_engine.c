/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_engine.c - coverage-guided fuzzer for the connection engine.
 *
 * The input is a sequence of 16-byte records, each one TCP segment (a
 * trailing partial record is ignored).  They go through hs_engine_add in
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
#include "labels.h"
#include "zeek.h"
#include "negotiation.h"
#include "tuple_ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC 16
#define N_STREAMS 8
#define TIME_LIMIT (INT64_C(1) << 61)

#define INVARIANT(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_engine: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

typedef struct decoded {
    uint32_t   stream;
    hs_segment seg;
} decoded;

typedef struct decoder {
    decoded  last;                 /* the previous segment, for frame step 0 */
    uint32_t frame;
    int64_t  time_ns;
    uint32_t next[N_STREAMS][2];   /* sender's next sequence number, for "relative" */
} decoder;

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

static void decode(decoder *d, const uint8_t *p, decoded *out)
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
    if (s->have & HS_HAVE_SEQ)
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
    d->last = *out;
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
    INVARIANT(c->first_frame <= frame && frame <= c->last_frame);
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
static size_t run(const uint8_t *data, size_t size, uint32_t cold, hs_result *log, uint32_t *n_conns,
                  uint64_t *hash, bool check)
{
    size_t n = size / REC;
    hs_engine *eng = hs_engine_new();
    if (!eng)
        return 0;
    hs_engine_set_cold_frames(eng, cold);
    decoder d;
    memset(&d, 0, sizeof d);
    decoded *segs = n ? calloc(n, sizeof *segs) : NULL;
    if (n && !segs) {
        hs_engine_free(eng);
        return 0;
    }

    /* First pass: add, then read at once (single-pass tshark). */
    for (size_t i = 0; i < n; i++) {
        decode(&d, data + i * REC, &segs[i]);
        const hs_result *r = hs_engine_add(eng, segs[i].stream, &segs[i].seg);
        if (!check)
            continue;
        INVARIANT(hs_engine_stream_seen(eng, segs[i].stream) || r == NULL);
        hs_result back;
        if (r) {
            /* What the packed record gives back is what was returned. */
            INVARIANT(hs_engine_result(eng, segs[i].seg.frame, &back) && memcmp(&back, r, sizeof back) == 0);
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
            const hs_result *again = hs_engine_add(eng, segs[i].stream, &segs[i].seg);
            INVARIANT(again && memcmp(r, again, sizeof *r) == 0);
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

static void check_tuple_ids(const uint8_t *data, size_t n)
{
    hs_tuple_ids *t = hs_tuple_ids_new();
    uint32_t *ids = n ? calloc(n, sizeof *ids) : NULL;
    uint32_t top = 0;
    for (size_t i = 0; t && ids && i < n; i++) {
        hs_endpoint a, b;
        tuple_of(data + i * REC, &a, &b);
        ids[i] = hs_tuple_id(t, &a, &b);
        INVARIANT(ids[i] != 0 && ids[i] <= top + 1);       /* known, or the next */
        top = ids[i] > top ? ids[i] : top;
        INVARIANT(hs_tuple_id(t, &a, &b) == ids[i]);
    }
    for (size_t i = 0; t && ids && i < n; i++) {            /* kept as the table grew */
        hs_endpoint a, b;
        tuple_of(data + i * REC, &a, &b);
        INVARIANT(hs_tuple_id(t, &a, &b) == ids[i]);
    }
    free(ids);
    hs_tuple_ids_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size / REC;
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
        INVARIANT(na == 0 || memcmp(a, b, na * sizeof *a) == 0);
    }
    check_tuple_ids(data, n);
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
