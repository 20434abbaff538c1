/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture.h - what the glue keeps for the capture file being read, and what
 * the "hs" tap delivers per packet: the meeting point of the post-dissector
 * (packet-hs.c), which fills them, and the reports (reports.c,
 * conn_log.c), which read them.  Nothing here calls back into either.
 */
#ifndef HS_CAPTURE_H
#define HS_CAPTURE_H

#include "hs_compat.h"
#include "engine.h"

/* The tap the post-dissector registers and queues on every pass. */
#define HS_TAP_NAME "hs"

/* What the tap queues per packet, valid in that packet's tap callbacks
 * only: copy what must outlive them. */
typedef struct hs_tap_packet {
    const hs_result *r;     /* what the packet did */
    const hs_conn   *c;     /* its attempt: values so far in a single pass,
                               final on later passes (tshark -2, the GUI) */
    bool             relative;   /* the "relative numbers" preference */
} hs_tap_packet;

/* Per capture file: the post-dissector's init and cleanup routines.  Open
 * returns the file's engine (NULL out of memory: nothing is analysed). */
hs_engine *hs_capture_open(void);
void       hs_capture_close(void);

/* The dense id (1, 2, ...) of the 4-tuple a:a_port - b:b_port, the same
 * both ways: `swap` says whether b is the endpoint that sorts first.
 * 0: unknown (out of memory, or no file open). */
guint32 hs_capture_tuple_id(const address *a, guint32 a_port, const address *b, guint32 b_port,
                            bool swap);

/* An attempt of the file being read by id (1, 2, ...), for reports that
 * read attempts after the last packet; NULL past the last or between
 * files.  Unpacked into *buf where the engine keeps it packed. */
const hs_conn *hs_capture_attempt(uint32_t id, hs_conn *buf);

#endif /* HS_CAPTURE_H */
