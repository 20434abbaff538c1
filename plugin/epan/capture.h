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

/* The time of the file's latest segment so far: its last once the file has
 * been read (what the attempts' outcomes are judged against).  0: none. */
int64_t hs_capture_last_ns(void);

/* An endpoint copied out of a packet, for reports that name it after the
 * packet is gone; type AT_NONE (all zero) where it is not an IP address.
 * Zeroed padding: it can be hashed and compared as bytes. */
typedef struct hs_capture_endpoint {
    uint8_t  type, len;
    uint16_t port;
    uint8_t  data[16];
} hs_capture_endpoint;

void hs_capture_keep_endpoint(hs_capture_endpoint *e, const address *a, guint32 port);
/* Appends its address ("-" for AT_NONE), and ":port" if with_port
 * ("[address]:port" for IPv6). */
void hs_capture_put_endpoint(GString *s, const hs_capture_endpoint *e, bool with_port);

/* Who sent the ICMP error in `frame` (hs.icmp.from): kept when the error
 * is linked to an attempt, read on every packet of that attempt. */
void hs_capture_keep_icmp_from(guint32 frame, const address *from);
const hs_capture_endpoint *hs_capture_icmp_from(guint32 frame);

#endif /* HS_CAPTURE_H */
