/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuple_ids.h - dense ids for TCP 4-tuples (epan side), so the engine sees
 * port reuse even where Wireshark starts a new tcp.stream.
 */
#ifndef HS_TUPLE_IDS_H
#define HS_TUPLE_IDS_H

#include "hs_compat.h"

/* Forget every id: per capture file (a cleanup routine). */
void hs_tuple_ids_reset(void);

/* The id (1, 2, ... per capture file) of the 4-tuple a->b, the same for
 * b->a: `swap` says whether (b, b_port) is the endpoint that sorts first. */
guint32 hs_tuple_id(const address *a, guint32 a_port, const address *b, guint32 b_port, gboolean swap);

#endif /* HS_TUPLE_IDS_H */
