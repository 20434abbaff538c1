/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the engine's memory: what it keeps for every frame, every
 * connection attempt, and the indexes that find an attempt again.  The
 * rules (engine.c) decide what a segment does; this file decides where the
 * outcome lives and what it costs (SPEC section 6 memory):
 *
 * - a frame's result in HS_FRAME_BYTES, the rarely set parts (anomalies, a
 *   retry delay, an answered frame that is not a step frame) on the side;
 * - an attempt as a full hs_conn while segments still reach it, packed
 *   (conn_pack.h) once it has been quiet for a while, unpacked again for
 *   its next segment or for a read;
 * - tcp.stream -> current attempt, 4-tuple id -> latest attempt.
 *
 * Pure C11, no Wireshark include.  No allocation per packet beyond
 * amortised growth; out of memory, calls fail and nothing is lost that was
 * kept before.
 */
#ifndef HS_STORE_H
#define HS_STORE_H

#include "hs_types.h"

/* Every TCP frame of a capture pays this (hs_result is twice as large). */
#define HS_FRAME_BYTES 16

typedef struct hs_store hs_store;
typedef struct hs_frame hs_frame;   /* one frame's record */

hs_store *hs_store_new(void);
void      hs_store_free(hs_store *st);
/* Frames without a segment after which an attempt is packed (default
 * HS_COLD_FRAMES, 4096; 0 packs every attempt after each of its segments). */
void      hs_store_set_cold_frames(hs_store *st, uint32_t frames);
/* Bytes allocated, for the benchmark. */
size_t    hs_store_bytes(const hs_store *st);

/* ---- frames ---------------------------------------------------------------- */

/* The record of `frame`, allocated (empty) on first use; NULL out of memory. */
hs_frame *hs_store_frame(hs_store *st, uint32_t frame);
/* If record f of `frame` holds a result, copy it to *out and say so. */
bool hs_store_load(const hs_store *st, const hs_frame *f, uint32_t frame, hs_result *out);
/* Keep r in record f of `frame`; c is its attempt, whose step frames name
 * the frame r answers.  False out of memory (for the rarely set parts). */
bool hs_store_save(hs_store *st, hs_frame *f, const hs_result *r, const hs_conn *c, uint32_t frame);
/* The result of `frame`, copied to *out; false if there is none. */
bool hs_store_result(const hs_store *st, uint32_t frame, hs_result *out);

/* ---- attempts ---------------------------------------------------------------- */

/* A new, zeroed attempt with the next id (1, 2, ...), first touched at
 * `frame`; NULL out of memory. */
hs_conn *hs_store_conn_new(hs_store *st, uint32_t frame);
/* Attempt `id` to write to at `frame`, unpacked into a slot of its own if
 * it was packed; NULL if there is none or out of memory. */
hs_conn *hs_store_conn_touch(hs_store *st, uint32_t id, uint32_t frame);
/* Attempt `id` to read, NULL if none.  A packed one is unpacked into *buf
 * (NULL: none is returned).  Valid until the next hs_store_cool() or
 * hs_store_conn_new(), or until *buf is reused. */
const hs_conn *hs_store_conn(const hs_store *st, uint32_t id, hs_conn *buf);
uint32_t hs_store_conn_count(const hs_store *st);
/* After each segment, at `frame`: pack the attempts that have gone quiet. */
void hs_store_cool(hs_store *st, uint32_t frame);

/* ---- indexes ------------------------------------------------------------------- */

/* Make room to index `stream` (and `tuple`, if not 0); false out of memory. */
bool     hs_store_stream_reserve(hs_store *st, uint32_t stream);
bool     hs_store_tuple_reserve(hs_store *st, uint32_t tuple);
/* The current attempt of a tcp.stream / the latest of a 4-tuple; 0: none. */
uint32_t hs_store_stream_conn(const hs_store *st, uint32_t stream);
uint32_t hs_store_tuple_conn(const hs_store *st, uint32_t tuple);
/* Set them, where reserved. */
void     hs_store_set_stream_conn(hs_store *st, uint32_t stream, uint32_t id);
void     hs_store_set_tuple_conn(hs_store *st, uint32_t tuple, uint32_t id);

#endif /* HS_STORE_H */
