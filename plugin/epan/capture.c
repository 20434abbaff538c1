/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.c - the capture file being read: its engine, its 4-tuple ids and
 * who sent the ICMP errors linked to attempts, from the post-dissector's
 * init routine to its cleanup routine.
 */
#include <string.h>

#include <epan/to_str.h>

#include "capture.h"
#include "tuple_ids.h"

static hs_engine    *engine;
static hs_tuple_ids *tuples;
static GHashTable   *icmp_from;    /* ICMP error's frame -> hs_capture_endpoint of its sender */

hs_engine *hs_capture_open(void)
{
    hs_capture_close();
    engine = hs_engine_new();
    tuples = hs_tuple_ids_new();
    return engine;
}

void hs_capture_close(void)
{
    hs_engine_free(engine);
    hs_tuple_ids_free(tuples);
    if (icmp_from)
        g_hash_table_destroy(icmp_from);
    engine = NULL;
    tuples = NULL;
    icmp_from = NULL;
}

static hs_endpoint endpoint(const address *a, guint32 port)
{
    return (hs_endpoint){ a->data, (uint8_t)a->type, (uint8_t)MIN(a->len, 255), (uint16_t)port };
}

guint32 hs_capture_tuple_id(const address *a, guint32 a_port, const address *b, guint32 b_port, bool swap)
{
    if (!tuples)
        return 0;
    hs_endpoint ea = endpoint(a, a_port), eb = endpoint(b, b_port);
    return swap ? hs_tuple_id(tuples, &eb, &ea) : hs_tuple_id(tuples, &ea, &eb);
}

const hs_conn *hs_capture_attempt(uint32_t id, hs_conn *buf)
{
    return hs_engine_conn(engine, id, buf);
}

int64_t hs_capture_last_ns(void)
{
    return hs_engine_last_ns(engine);
}

void hs_capture_keep_endpoint(hs_capture_endpoint *e, const address *a, guint32 port)
{
    memset(e, 0, sizeof *e);
    e->port = (uint16_t)port;
    if ((a->type == AT_IPv4 || a->type == AT_IPv6) && a->len > 0 && a->len <= (int)sizeof e->data) {
        e->type = (uint8_t)a->type;
        e->len = (uint8_t)a->len;
        memcpy(e->data, a->data, (size_t)a->len);
    }
}

void hs_capture_put_endpoint(GString *s, const hs_capture_endpoint *e, bool with_port)
{
    if (e->type == AT_NONE) {
        g_string_append(s, "-");
        return;
    }
    address a;
    set_address(&a, e->type, e->len, e->data);
    char *text = address_to_str(NULL, &a);
    bool v6 = with_port && e->type == AT_IPv6;
    g_string_append_printf(s, "%s%s%s", v6 ? "[" : "", text, v6 ? "]" : "");
    if (with_port)
        g_string_append_printf(s, ":%u", (unsigned)e->port);
    wmem_free(NULL, text);
}

void hs_capture_keep_icmp_from(guint32 frame, const address *from)
{
    if (!engine)
        return;
    if (!icmp_from)
        icmp_from = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    hs_capture_endpoint *e = g_new(hs_capture_endpoint, 1);
    hs_capture_keep_endpoint(e, from, 0);
    g_hash_table_replace(icmp_from, GUINT_TO_POINTER(frame), e);
}

const hs_capture_endpoint *hs_capture_icmp_from(guint32 frame)
{
    return icmp_from && frame ? (const hs_capture_endpoint *)g_hash_table_lookup(icmp_from, GUINT_TO_POINTER(frame))
                              : NULL;
}
