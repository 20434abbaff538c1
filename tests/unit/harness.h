/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.h - the checks shared by the engine's unit tests (test_*.c):
 * CHECK counts and reports, RUN names the test being run.
 */
#ifndef HS_TEST_HARNESS_H
#define HS_TEST_HARNESS_H

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

#endif /* HS_TEST_HARNESS_H */
