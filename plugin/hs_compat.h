/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hs_compat.h - every difference between the Wireshark versions this plugin
 * supports (4.0, 4.2, 4.4, 4.6) lives here, and only here.  Other files
 * use the HS_* names below and never test version macros themselves.
 * docs: ../shared/docs/wireshark-api.md (what changed, checked against headers).
 */
#ifndef HS_COMPAT_H
#define HS_COMPAT_H

#include <ws_version.h>
#include <epan/proto.h>
#include <epan/packet.h>

#define HS_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#if !HS_WS_AT_LEAST(4, 0)
#error "Handshake needs Wireshark 4.0 or later"
#endif

/* field_info.value: an embedded fvalue_t up to 4.0, a pointer from 4.2. */
#if HS_WS_AT_LEAST(4, 2)
#define HS_FI_UINT(fi) fvalue_get_uinteger((fi)->value)
#else
#define HS_FI_UINT(fi) fvalue_get_uinteger(&(fi)->value)
#endif

/* Boolean preferences point at a gboolean up to 4.2, a bool from 4.4. */
#if HS_WS_AT_LEAST(4, 4)
typedef bool hs_pref_bool;
#else
typedef gboolean hs_pref_bool;
#endif

/* Per-packet scratch memory: wmem_packet_scope() is gone in 4.6. */
#define HS_PACKET_POOL(pinfo) ((pinfo)->pool)

/* 4.4 reads an optional plugin_describe() for `tshark -G plugins`. */
#if HS_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#define HS_PLUGIN_DESCRIBE 1
#define HS_PLUGIN_DESC_DISSECTOR WS_PLUGIN_DESC_DISSECTOR
#else
#define HS_PLUGIN_DESCRIBE 0
#endif

#endif /* HS_COMPAT_H */
