/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_pack.h - a connection attempt packed for keeping, once nothing
 * writes to it any more (SPEC section 6 memory).
 *
 * Most of an hs_conn is zero, or close to another of its fields: times near
 * the first packet's, sequence numbers near the side's ISN, frame numbers
 * near the first frame's.  The packer writes each such field as its
 * distance from that base (a bijection, so nothing is rounded), then keeps
 * a bitmap of the non-zero bytes and those bytes alone: about 90 bytes for
 * an unanswered SYN and 160 for a complete 10-packet connection, where the
 * struct holds 384.  Unpacking gives back the struct byte for byte.
 */
#ifndef HS_CONN_PACK_H
#define HS_CONN_PACK_H

#include "engine.h"

/* The bitmap, one bit a byte of hs_conn. */
#define HS_PACK_MAP_BYTES ((sizeof(hs_conn) + 7) / 8)
/* The largest packed attempt: the bitmap and every byte. */
#define HS_PACK_MAX (HS_PACK_MAP_BYTES + sizeof(hs_conn))

/* Pack c into out (at least HS_PACK_MAX bytes); returns the bytes used. */
size_t hs_conn_pack(const hs_conn *c, uint8_t *out);
/* The bytes a packed attempt takes. */
size_t hs_conn_packed_size(const uint8_t *in);
/* Unpack into *out: the very struct that was packed. */
void hs_conn_unpack(const uint8_t *in, hs_conn *out);

#endif /* HS_CONN_PACK_H */
