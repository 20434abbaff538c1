/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn_pack.h - a connection attempt packed for keeping, once nothing
 * writes to it any more (SPEC section 6 memory).
 *
 * Most of an hs_conn is zero, or close to another of its fields: times near
 * the previous event's, sequence numbers near the side's ISN, frame numbers
 * near the previous step's.  The packer writes each such field as its
 * distance from that base (a bijection, so nothing is rounded).  Attempts
 * are also alike: the same flags, states, options, history and intervals,
 * so the bytes are XORed with those of a reference attempt (the engine
 * keeps one per chunk of packed attempts) where that leaves fewer non-zero.
 * What is kept is a bitmap of the non-zero bytes and those bytes alone.
 * Unpacking gives back the struct byte for byte.
 */
#ifndef HS_CONN_PACK_H
#define HS_CONN_PACK_H

#include "hs_types.h"

/* The bitmap, one bit a byte of hs_conn. */
#define HS_PACK_MAP_BYTES ((sizeof(hs_conn) + 7) / 8)
/* The largest packed attempt: a header byte, the bitmap and every byte. */
#define HS_PACK_MAX (1 + HS_PACK_MAP_BYTES + sizeof(hs_conn))
/* A reference: an attempt as the packer sees it (hs_conn_pack_ref). */
#define HS_PACK_REF_BYTES sizeof(hs_conn)

/* Make ref (HS_PACK_REF_BYTES) the reference form of c. */
void hs_conn_pack_ref(const hs_conn *c, uint8_t *ref);
/* Pack c into out (at least HS_PACK_MAX bytes), against ref if not NULL;
 * returns the bytes used. */
size_t hs_conn_pack(const hs_conn *c, const uint8_t *ref, uint8_t *out);
/* The bytes a packed attempt takes. */
size_t hs_conn_packed_size(const uint8_t *in);
/* Unpack into *out, with the ref it was packed against (or NULL if none):
 * the very struct that was packed. */
void hs_conn_unpack(const uint8_t *in, const uint8_t *ref, hs_conn *out);

#endif /* HS_CONN_PACK_H */
