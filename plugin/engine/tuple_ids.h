/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuple_ids.h - dense ids for TCP 4-tuples, so the engine sees port reuse
 * even where Wireshark starts a new tcp.stream.  Pure C: the glue turns
 * Wireshark's addresses into hs_endpoint; the benchmark's tap probe too.
 */
#ifndef HS_TUPLE_IDS_H
#define HS_TUPLE_IDS_H

#include <stdint.h>

typedef struct hs_tuple_ids hs_tuple_ids;

/* One end of a 4-tuple: an address of kind `type` (any number that tells
 * kinds apart: Wireshark's address_type), its `len` bytes (the first 16
 * count), and the port. */
typedef struct hs_endpoint {
    const void *addr;
    uint8_t     type, len;
    uint16_t    port;
} hs_endpoint;

/* One table per capture file; NULL out of memory. */
hs_tuple_ids *hs_tuple_ids_new(void);
void          hs_tuple_ids_free(hs_tuple_ids *t);

/* The id (1, 2, ...) of the 4-tuple a, b; the caller passes its endpoints
 * in an order of its own that does not depend on direction (lower first),
 * so both directions get the same id.  0: out of memory, an unknown tuple. */
uint32_t hs_tuple_id(hs_tuple_ids *t, const hs_endpoint *a, const hs_endpoint *b);

#endif /* HS_TUPLE_IDS_H */
