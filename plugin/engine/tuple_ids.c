/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuple_ids.c - dense ids for TCP 4-tuples, looked up once per tcp.stream.
 *
 * Open addressing: each slot holds an id (0: empty), at most half of them
 * used; the keys are packed one after another in an arena (a length byte,
 * then the bytes), found by id.  About 30 bytes a 4-tuple where a wmem_map
 * took about 90: a capture of 1M unanswered SYNs is 1M 4-tuples (SPEC
 * section 6 memory).
 */
#include "tuple_ids.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct hs_tuple_ids {
    uint32_t *slots;            /* n_slots, a power of two */
    uint32_t  n_slots;
    uint32_t *key_at;           /* id - 1 -> offset of its key in the arena */
    uint32_t  n_ids;
    size_t    cap_ids;
    uint8_t  *arena;
    size_t    arena_len, arena_cap;
};

#define ADDR_MAX 16
#define KEY_MAX  (2 * (ADDR_MAX + 4))   /* two endpoints: type, length, address, port */

static uint32_t key_hash(const uint8_t *k, unsigned len)
{
    uint32_t h = 2166136261u;                      /* FNV-1a */
    for (unsigned i = 0; i < len; i++)
        h = (h ^ k[i]) * 16777619u;
    return h ^ (h >> 16);
}

static const uint8_t *key_of(const hs_tuple_ids *t, uint32_t id) { return t->arena + t->key_at[id - 1]; }

/* The slot holding the key, or the empty slot where it would go. */
static uint32_t *slot_of(hs_tuple_ids *t, const uint8_t *k, unsigned len)
{
    uint32_t mask = t->n_slots - 1;
    for (uint32_t i = key_hash(k, len) & mask;; i = (i + 1) & mask) {
        const uint8_t *have = t->slots[i] ? key_of(t, t->slots[i]) : NULL;
        if (!have || (have[0] == len && memcmp(have + 1, k, len) == 0))
            return &t->slots[i];
    }
}

static bool rehash(hs_tuple_ids *t, uint32_t want)
{
    uint32_t *old = t->slots;
    uint32_t *fresh = calloc(want, sizeof *fresh);
    if (!fresh)
        return false;
    t->slots = fresh;
    t->n_slots = want;
    for (uint32_t id = 1; id <= t->n_ids; id++)
        *slot_of(t, key_of(t, id) + 1, key_of(t, id)[0]) = id;
    free(old);
    return true;
}

static bool reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 1024;
    if (n < need)
        n = need;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

hs_tuple_ids *hs_tuple_ids_new(void)
{
    return calloc(1, sizeof(hs_tuple_ids));
}

void hs_tuple_ids_free(hs_tuple_ids *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->key_at);
    free(t->arena);
    free(t);
}

static unsigned put_endpoint(uint8_t *p, const hs_endpoint *e)
{
    unsigned n = e->len < ADDR_MAX ? e->len : ADDR_MAX;
    p[0] = e->type;
    p[1] = (uint8_t)n;
    if (n)
        memcpy(p + 2, e->addr, n);
    p[2 + n] = (uint8_t)(e->port >> 8);
    p[3 + n] = (uint8_t)e->port;
    return n + 4;
}

uint32_t hs_tuple_id(hs_tuple_ids *t, const hs_endpoint *a, const hs_endpoint *b)
{
    uint8_t k[KEY_MAX];
    unsigned len = put_endpoint(k, a);
    len += put_endpoint(k + len, b);
    if ((t->n_ids + 1) * (uint64_t)2 > t->n_slots &&
        (t->n_slots > UINT32_MAX / 2 || !rehash(t, t->n_slots ? t->n_slots * 2 : 1024)))
        return 0;                                  /* out of memory: an unknown 4-tuple */
    uint32_t *slot = slot_of(t, k, len);
    if (*slot)
        return *slot;
    if (t->arena_len + 1 + len > UINT32_MAX ||
        !reserve((void **)&t->key_at, &t->cap_ids, (size_t)t->n_ids + 1, sizeof *t->key_at) ||
        !reserve((void **)&t->arena, &t->arena_cap, t->arena_len + 1 + len, 1))
        return 0;
    t->key_at[t->n_ids] = (uint32_t)t->arena_len;
    t->arena[t->arena_len] = (uint8_t)len;
    memcpy(t->arena + t->arena_len + 1, k, len);
    t->arena_len += 1 + len;
    *slot = ++t->n_ids;                            /* dense: 1, 2, ... */
    return t->n_ids;
}
