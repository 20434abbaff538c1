/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.h - the checks shared by the engine's unit tests (test_*.c):
 * CHECK counts and reports, RUN names the test being run.
 */
#ifndef HS_TEST_HARNESS_H
#define HS_TEST_HARNESS_H

#include "engine.h"

#include <stdio.h>
#include <string.h>

static int failures, checks;

#define CHECK(cond) do { checks++; if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, current, #cond); } } while (0)
#define CHECK_STR(a, b) do { checks++; if (strcmp((a), (b)) != 0) { failures++; \
    fprintf(stderr, "%s:%d: %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, current, (a), (b)); } } while (0)

static const char *current;

enum { C = 0, S = 1 };
#define SYN HS_TH_SYN
#define ACK HS_TH_ACK
#define FIN HS_TH_FIN
#define RST HS_TH_RST
#define PSH HS_TH_PSH
#define URG HS_TH_URG

#define RUN(t) do { current = #t; t(); } while (0)

#include "same_result.h"

/* hs_engine_add()'s result lives until the next call on the engine: tests
 * that look at several keep copies.  Each copy is also checked against what
 * the engine gives back for the frame later (hs_engine_result: the packed
 * 16-byte record and its extras must hold all of it). */
static inline const hs_result *keep_result(hs_engine *eng, const hs_result *r, uint32_t frame)
{
    static hs_result pool[1024];
    static unsigned next;
    hs_result back;
    if (!r)
        return NULL;
    hs_result *k = &pool[next++ % 1024];
    *k = *r;
    checks++;
    if (!hs_engine_result(eng, frame, &back) || !same_result(&back, k)) {
        failures++;
        fprintf(stderr, "%s: frame %u: hs_engine_result() differs from hs_engine_add()\n", current, frame);
    }
    return k;
}
#define ADD(eng, stream, seg) keep_result((eng), hs_engine_add((eng), (stream), (seg)), (seg)->frame)

/* An attempt as the glue reads it: hs_engine_conn() unpacks a packed one
 * into a buffer, here one of a ring, so a test can hold a few at once.
 * Valid until the next hs_engine_add(): the *_packed builds of the tests
 * (HS_COLD_FRAMES=0) pack every attempt after each of its segments. */
static inline const hs_conn *conn_of(const hs_engine *eng, uint32_t id)
{
    static hs_conn ring[16];
    static unsigned next;
    return hs_engine_conn(eng, id, &ring[next++ % 16]);
}

#endif /* HS_TEST_HARNESS_H */
