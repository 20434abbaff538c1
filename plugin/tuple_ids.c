/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuple_ids.c - dense ids for TCP 4-tuples, looked up once per tcp.stream.
 * Used by packet-hs.c and by the benchmark's tap probe.
 */
#include "tuple_ids.h"

#include <stdlib.h>
#include <string.h>

/* Open addressing: each slot holds an id (0: empty), at most half of them
 * used; the keys are packed one after another in an arena (a length byte,
 * then the bytes), found by id.  About 30 bytes a 4-tuple where a wmem_map
 * took about 90: a capture of 1M unanswered SYNs is 1M 4-tuples (SPEC
 * section 6 memory).  Emptied per capture file by hs_tuple_ids_reset(). */
static guint32 *slots;          /* n_slots, a power of two */
static guint32  n_slots;
static guint32 *key_at;         /* id - 1 -> offset of its key in the arena */
static guint32  n_ids;
static gsize    cap_ids;
static guint8  *arena;
static gsize    arena_len, arena_cap;

#define KEY_MAX (2 * 20)        /* two endpoints: type, length, 16 address bytes, port */

static guint32 key_hash(const guint8 *k, guint len)
{
    guint32 h = 2166136261u;                      /* FNV-1a */
    for (guint i = 0; i < len; i++)
        h = (h ^ k[i]) * 16777619u;
    return h ^ (h >> 16);
}

static const guint8 *key_of(guint32 id) { return arena + key_at[id - 1]; }

/* The slot holding the key, or the empty slot where it would go. */
static guint32 *slot_of(const guint8 *k, guint len)
{
    guint32 mask = n_slots - 1;
    for (guint32 i = key_hash(k, len) & mask;; i = (i + 1) & mask) {
        const guint8 *have = slots[i] ? key_of(slots[i]) : NULL;
        if (!have || (have[0] == len && memcmp(have + 1, k, len) == 0))
            return &slots[i];
    }
}

static gboolean rehash(guint32 want)
{
    guint32 *old = slots;
    guint32 *fresh = (guint32 *)calloc(want, sizeof *fresh);
    if (!fresh)
        return FALSE;
    slots = fresh;
    n_slots = want;
    for (guint32 id = 1; id <= n_ids; id++)
        *slot_of(key_of(id) + 1, key_of(id)[0]) = id;
    free(old);
    return TRUE;
}

static gboolean reserve(void **p, gsize *cap, gsize need, gsize elem)
{
    if (need <= *cap)
        return TRUE;
    gsize n = MAX(need, *cap ? *cap * 2 : 1024);
    void *q = realloc(*p, n * elem);
    if (!q)
        return FALSE;
    *p = q;
    *cap = n;
    return TRUE;
}

void hs_tuple_ids_reset(void)
{
    free(slots);
    free(key_at);
    free(arena);
    slots = key_at = NULL;
    arena = NULL;
    n_slots = n_ids = 0;
    cap_ids = arena_cap = arena_len = 0;
}

static guint put_endpoint(guint8 *p, const address *a, guint32 port)
{
    guint n = (guint)MIN(a->len, 16);
    p[0] = (guint8)a->type;
    p[1] = (guint8)n;
    if (n)
        memcpy(p + 2, a->data, n);
    p[2 + n] = (guint8)(port >> 8);
    p[3 + n] = (guint8)port;
    return n + 4;
}

guint32 hs_tuple_id(const address *a, guint32 a_port, const address *b, guint32 b_port, gboolean swap)
{
    guint8 k[KEY_MAX];
    guint len = put_endpoint(k, swap ? b : a, swap ? b_port : a_port);
    len += put_endpoint(k + len, swap ? a : b, swap ? a_port : b_port);
    if ((n_ids + 1) * (guint64)2 > n_slots &&
        (n_slots > G_MAXUINT32 / 2 || !rehash(n_slots ? n_slots * 2 : 1024)))
        return 0;                                  /* out of memory: an unknown 4-tuple */
    guint32 *slot = slot_of(k, len);
    if (*slot)
        return *slot;
    if (arena_len + 1 + len > G_MAXUINT32 ||
        !reserve((void **)&key_at, &cap_ids, (gsize)n_ids + 1, sizeof *key_at) ||
        !reserve((void **)&arena, &arena_cap, arena_len + 1 + len, 1))
        return 0;
    key_at[n_ids] = (guint32)arena_len;
    arena[arena_len] = (guint8)len;
    memcpy(arena + arena_len + 1, k, len);
    arena_len += 1 + len;
    *slot = ++n_ids;                               /* dense: 1, 2, ... */
    return n_ids;
}
