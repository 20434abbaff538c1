/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * same_result.h - whether two engine results are alike, for the unit tests
 * (harness.h) and the engine fuzzer (tests/fuzz/fuzz_engine.c).
 */
#ifndef HS_SAME_RESULT_H
#define HS_SAME_RESULT_H

#include <stdbool.h>

#include "hs_types.h"

/* Two results alike, member by member: hs_result has padding (after ttl,
 * at its end) that copies and compound literals leave as they find it. */
static inline bool same_result(const hs_result *a, const hs_result *b)
{
    return a->conn == b->conn && a->answers == b->answers && a->seq == b->seq && a->ack == b->ack &&
           a->anomalies == b->anomalies && a->step[0] == b->step[0] && a->step[1] == b->step[1] &&
           a->label == b->label && a->flags == b->flags && a->kstate[0] == b->kstate[0] &&
           a->kstate[1] == b->kstate[1] && a->accept == b->accept && a->pad == b->pad &&
           a->retry_us == b->retry_us && a->origin == b->origin && a->evidence == b->evidence &&
           a->ttl == b->ttl && a->ttl_delta == b->ttl_delta && a->ipid == b->ipid &&
           a->ipid_last == b->ipid_last;
}
_Static_assert(sizeof(hs_result) == 48, "a new hs_result member: compare it in same_result()");

#endif /* HS_SAME_RESULT_H */
