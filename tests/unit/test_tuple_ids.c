/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tuple_ids.c - the table of 4-tuple ids (plugin/engine/tuple_ids.c):
 * dense ids in order of first sight, the same id for the same 4-tuple given
 * in the same order, kept as the table grows.
 */
#include "tuple_ids.h"

#include "harness.h"

static hs_endpoint v4(const uint8_t addr[4], uint16_t port)
{
    return (hs_endpoint){ addr, 1, 4, port };
}

static void test_dense_and_stable(void)
{
    hs_tuple_ids *t = hs_tuple_ids_new();
    static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
    hs_endpoint c1 = v4(a, 40000), s = v4(b, 80), c2 = v4(a, 40001);
    CHECK(hs_tuple_id(t, &c1, &s) == 1);
    CHECK(hs_tuple_id(t, &c2, &s) == 2);
    CHECK(hs_tuple_id(t, &c1, &s) == 1);
    /* The caller orders the endpoints: the other order is another key. */
    CHECK(hs_tuple_id(t, &s, &c1) == 3);
    hs_tuple_ids_free(t);
}

static void test_kinds_and_lengths(void)
{
    hs_tuple_ids *t = hs_tuple_ids_new();
    static const uint8_t addr[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 };
    static const uint8_t other[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 99, 99 };
    hs_endpoint x = { addr, 1, 4, 1 }, y = { addr, 2, 4, 1 }, z = { addr, 1, 16, 1 };
    hs_endpoint long_a = { addr, 3, 18, 1 }, long_b = { other, 3, 18, 1 }, p = { addr, 1, 4, 2 };
    CHECK(hs_tuple_id(t, &x, &p) == 1);
    CHECK(hs_tuple_id(t, &y, &p) == 2);          /* same bytes, another kind */
    CHECK(hs_tuple_id(t, &z, &p) == 3);          /* same kind, longer address */
    /* Only the first 16 bytes of an address count. */
    CHECK(hs_tuple_id(t, &long_a, &p) == 4);
    CHECK(hs_tuple_id(t, &long_b, &p) == 4);
    hs_endpoint none = { NULL, 0, 0, 0 };
    CHECK(hs_tuple_id(t, &none, &none) == 5);
    hs_tuple_ids_free(t);
}

static void test_many(void)
{
    hs_tuple_ids *t = hs_tuple_ids_new();
    static const uint8_t s_addr[4] = { 192, 0, 2, 1 };
    hs_endpoint s = v4(s_addr, 443);
    uint32_t bad = 0;
    for (uint32_t i = 0; i < 200000; i++) {
        uint8_t a[4] = { 198, 51, (uint8_t)(i >> 8), (uint8_t)i };
        hs_endpoint c = v4(a, (uint16_t)(i >> 16));
        bad += hs_tuple_id(t, &c, &s) != i + 1;
    }
    for (uint32_t i = 0; i < 200000; i += 997) {
        uint8_t a[4] = { 198, 51, (uint8_t)(i >> 8), (uint8_t)i };
        hs_endpoint c = v4(a, (uint16_t)(i >> 16));
        bad += hs_tuple_id(t, &c, &s) != i + 1;
    }
    CHECK(bad == 0);
    hs_tuple_ids_free(t);
    hs_tuple_ids_free(NULL);
}

int main(void)
{
    RUN(test_dense_and_stable);
    RUN(test_kinds_and_lengths);
    RUN(test_many);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
