/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuple_ids.c - dense ids for TCP 4-tuples, looked up once per tcp.stream.
 * Used by packet-hs.c and by the benchmark's tap probe.
 */
#include "tuple_ids.h"

#include <string.h>

typedef struct tuple_key {
    guint   len;
    guint8  bytes[];
} tuple_key;

static wmem_map_t *tuple_ids;   /* tuple_key -> id, emptied per capture file */

static guint tuple_hash(gconstpointer k)
{
    const tuple_key *t = (const tuple_key *)k;
    guint h = 2166136261u;                      /* FNV-1a */
    for (guint i = 0; i < t->len; i++)
        h = (h ^ t->bytes[i]) * 16777619u;
    return h;
}

static gboolean tuple_equal(gconstpointer a, gconstpointer b)
{
    const tuple_key *x = (const tuple_key *)a, *y = (const tuple_key *)b;
    return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
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

void hs_tuple_ids_register(void)
{
    tuple_ids = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), tuple_hash, tuple_equal);
}

guint32 hs_tuple_id(const address *a, guint32 a_port, const address *b, guint32 b_port, gboolean swap)
{
    guint8 buf[sizeof(tuple_key) + 2 * 20];
    tuple_key *k = (tuple_key *)(void *)buf;
    k->len = put_endpoint(k->bytes, swap ? b : a, swap ? b_port : a_port);
    k->len += put_endpoint(k->bytes + k->len, swap ? a : b, swap ? a_port : b_port);
    gpointer id = wmem_map_lookup(tuple_ids, k);
    if (id)
        return GPOINTER_TO_UINT(id);
    /* Ids are dense: the next one is the map's size plus one. */
    guint32 next = wmem_map_size(tuple_ids) + 1;
    wmem_map_insert(tuple_ids, wmem_memdup(wmem_file_scope(), k, sizeof *k + k->len), GUINT_TO_POINTER(next));
    return next;
}
