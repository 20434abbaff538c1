/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-hs.h - registration entry points of the Handshake post-dissector. */
#ifndef PACKET_HS_H
#define PACKET_HS_H

/* Fields, expert items, preferences, the "hs" tap (capture.h says what it
 * delivers), the post-dissector itself. */
void proto_register_hs(void);
void proto_reg_handoff_hs(void);

#endif /* PACKET_HS_H */
