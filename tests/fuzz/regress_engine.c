/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regress_engine.c - engine edge cases found while fuzzing, each run in a
 * child process so that a crash fails that case alone.  Build it like the
 * unit tests (against hs_engine); with -DHS_SANITIZE=ON, UBSan reports
 * make a case fail too (-fno-sanitize-recover).
 *
 * 1. time_ns near INT64_MAX.  The glue computes time_ns as
 *    abs_ts.secs * 10^9 (packet-hs.c), which overflows for a pcapng
 *    timestamp after 2262-04-11 (tests/fuzz/regress/big-time.pcapng,
 *    2308); the engine then adds TCP_ATTEMPT_DELAY / TCP_CLOSE_DELAY to it
 *    and subtracts last_ns from it (zeek.c) with no guard.  Observed: a
 *    SYN+ACK 1 ms after its SYN starts a new attempt (the attempt timer
 *    wrapped negative), and UBSan "signed integer overflow" at zeek.c.
 * 2. time_ns jumping from near INT64_MAX to near INT64_MIN: now - last_ns
 *    overflows in hs_zeek_expired.
 * 3. tuple == UINT32_MAX: start_attempt grows tuple_conn to tuple + 1 == 0
 *    entries (a no-op) and writes tuple_conn[UINT32_MAX]: SEGV.  The glue
 *    numbers 4-tuples densely from 1, so it needs 2^32 - 1 distinct
 *    4-tuples to get there; the API does not say the id is bounded.
 */
#include "engine.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static hs_segment seg(uint32_t frame, uint8_t dir, uint16_t flags, uint32_t seq, uint32_t ack, int64_t t)
{
    hs_segment s = { 0 };
    s.frame = frame;
    s.dir = dir;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.have = HS_HAVE_ALL;
    s.time_ns = t;
    s.tuple = frame == 1 ? 1 : 0;
    return s;
}

static const hs_result *copy(const hs_result *r, hs_result *to)
{
    if (!r)
        return NULL;
    *to = *r;
    return to;
}

/* A handshake starting at t0, 1 ms between packets: one attempt, steps 1-3. */
static int handshake_at(int64_t t0)
{
    hs_engine *e = hs_engine_new();
    hs_segment s1 = seg(1, 0, HS_TH_SYN, 100, 0, t0);
    hs_segment s2 = seg(2, 1, HS_TH_SYN | HS_TH_ACK, 500, 101, t0 + 1 * MS);
    hs_segment s3 = seg(3, 0, HS_TH_ACK, 101, 501, t0 + 2 * MS);
    hs_result k1, k2, k3;   /* a result lives until the next call: keep copies */
    const hs_result *r1 = copy(hs_engine_add(e, 0, &s1), &k1);
    const hs_result *r2 = copy(hs_engine_add(e, 0, &s2), &k2);
    const hs_result *r3 = copy(hs_engine_add(e, 0, &s3), &k3);
    int ok = r1 && r2 && r3 && hs_engine_conn_count(e) == 1 &&
             r1->step[0] == HS_STEP_SYN && r2->step[0] == HS_STEP_SYNACK && r3->step[0] == HS_STEP_ACK &&
             r2->conn == r1->conn && r3->conn == r1->conn;
    if (!ok)
        fprintf(stderr, "  %u attempts, steps %u %u %u\n", hs_engine_conn_count(e),
                r1 ? r1->step[0] : 0, r2 ? r2->step[0] : 0, r3 ? r3->step[0] : 0);
    hs_engine_free(e);
    return ok;
}

static int case_time_near_max(void)
{
    /* Sanity: the same handshake at an ordinary time. */
    if (!handshake_at(INT64_C(1389780000) * SEC))
        return 0;
    return handshake_at(INT64_MAX - 1 * SEC);
}

static int case_time_near_min(void)
{
    return handshake_at(INT64_MIN + 1);
}

static int case_time_jump(void)
{
    hs_engine *e = hs_engine_new();
    hs_segment s1 = seg(1, 0, HS_TH_SYN, 100, 0, INT64_MAX - 1);
    hs_segment s2 = seg(2, 1, HS_TH_SYN | HS_TH_ACK, 500, 101, INT64_MIN + 1);
    hs_segment s3 = seg(3, 0, HS_TH_FIN | HS_TH_ACK, 101, 501, INT64_MAX - 1);
    int ok = hs_engine_add(e, 0, &s1) && hs_engine_add(e, 0, &s2) && hs_engine_add(e, 0, &s3);
    hs_engine_free(e);
    return ok;
}

static int case_tuple_max(void)
{
    hs_engine *e = hs_engine_new();
    hs_segment s1 = seg(1, 0, HS_TH_SYN, 100, 0, 0);
    s1.tuple = UINT32_MAX;
    const hs_result *r = hs_engine_add(e, 0, &s1);
    int ok = r != NULL || hs_engine_conn_count(e) == 0;   /* analysed, or refused: never a crash */
    hs_segment s2 = seg(2, 0, HS_TH_SYN, 900, 0, 1 * SEC);
    s2.tuple = UINT32_MAX;
    ok = ok && hs_engine_add(e, 1, &s2) != NULL;
    hs_engine_free(e);
    return ok;
}

static const struct { const char *name; int (*fn)(void); } cases[] = {
    { "time_ns near INT64_MAX: handshake stays one attempt", case_time_near_max },
    { "time_ns near INT64_MIN: handshake stays one attempt", case_time_near_min },
    { "time_ns jumping INT64_MAX <-> INT64_MIN", case_time_jump },
    { "tuple id UINT32_MAX", case_tuple_max },
};

int main(void)
{
    int failed = 0, n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(cases[i].fn() ? 0 : 1);
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid) {
            perror("fork");
            return 2;
        }
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!ok)
            failed++;
        if (WIFSIGNALED(st))
            printf("FAIL: %s (signal %d)\n", cases[i].name, WTERMSIG(st));
        else
            printf("%s: %s\n", ok ? "ok" : "FAIL", cases[i].name);
    }
    printf("regress_engine: %d of %d cases failed\n", failed, n);
    return failed ? 1 : 0;
}
