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

/* ==== Reports (reports.c): stats_tree and Flow Graph ====================
 * Appended for the reports; everything version-dependent they need. */
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <epan/address.h>

/* stats_tree_register_plugin() returns void up to 4.2 and a stats_tree_cfg *
 * from 4.4 (where stats_tree_register_with_group is gone and the menu group
 * is set with stats_tree_set_group()).  The default group, the bottom of the
 * Statistics menu, is the one we want, so the result is not needed.  The
 * packet callback has had its tap_flags_t argument since 4.0. */
#define HS_STATS_TREE_REGISTER(tap, abbr, name, flags, packet, init, cleanup) \
    ((void)stats_tree_register_plugin((tap), (abbr), (name), (flags), (packet), (init), (cleanup)))

/* Flow Graph: epan/sequence_analysis.h is not installed by any version, so
 * its prototypes and the leading members of its structures are mirrored
 * here.  Items are allocated by Wireshark itself
 * (sequence_analysis_create_sai_with_addresses) and freed by it, so only the
 * members we write must sit where Wireshark reads them.  Checked against
 * Wireshark's sources and against the offsets the exported functions of the
 * x86_64 libwireshark 4.0.17, 4.4.19 and 4.6.9 use: sizeof 144 / 136 / 144;
 * frame_label 0x48, comment 0x58, conv_num 0x60 in all; display at 0x70
 * (gboolean) before 4.4 and 0x6d (bool) from 4.4; line_style at 0x7c before
 * 4.4 and 0x78 from 4.4; 4.6 appends free_info_ptr (never touched here).
 * 4.2 is taken to be laid out as 4.0 (gboolean members; not checked). */
#if HS_WS_AT_LEAST(4, 4)
typedef bool hs_seq_bool;
#else
typedef gboolean hs_seq_bool;
#endif

typedef struct hs_seq_item {            /* seq_analysis_item_t */
    guint32 frame_number;
    address src_addr;
    guint16 port_src;
    address dst_addr;
    guint16 port_dst;
    gchar *frame_label;                 /* g_malloc'd, freed by Wireshark */
    gchar *time_str;
    gchar *comment;                     /* g_malloc'd, freed by Wireshark */
    guint16 conv_num;
    unsigned fg_color;
    unsigned bg_color;
    hs_seq_bool has_color_filter;
    hs_seq_bool display;
    guint src_node;
    guint dst_node;
    guint16 line_style;
    int info_type;                      /* ga_info_type */
    void *info_ptr;
#if HS_WS_AT_LEAST(4, 6)
    void (*free_info_ptr)(void *info_ptr);
#endif
} hs_seq_item;

typedef struct hs_seq_info {            /* seq_analysis_info_t, leading members */
    const char *name;
    hs_seq_bool any_addr;
    int nconv;
    GQueue *items;                      /* of hs_seq_item */
    GHashTable *ht;
} hs_seq_info;

WS_DLL_PUBLIC void register_seq_analysis(const char *name, const char *ui_name, const int proto_id,
                                         const char *tap_listener, unsigned tap_flags,
                                         tap_packet_cb tap_func);
WS_DLL_PUBLIC hs_seq_item *sequence_analysis_create_sai_with_addresses(packet_info *pinfo,
                                                                      hs_seq_info *sainfo);

/* ==== Connection log (conn_log.c): a tshark -z handler ==================
 * The handler of a stat_tap_ui returns whether it started from 4.6 on (and
 * tshark then stops); before 4.6 it returns nothing, and Wireshark's own
 * handlers exit on a bad argument, as this one does there. */
#include <stdlib.h>
#include <epan/stat_tap_ui.h>

#if HS_WS_AT_LEAST(4, 6)
typedef bool hs_stat_init_result;
#define HS_STAT_INIT_DONE(ok) return (ok)
#else
typedef void hs_stat_init_result;
#define HS_STAT_INIT_DONE(ok) do { if (!(ok)) exit(1); return; } while (0)
#endif

/* A quoted TCP header cut inside its options (in an ICMP error): 4.0's
 * TCP stops there and queues no tap entry; 4.4 and 4.6 (checked; 4.2 not,
 * taken as 4.4) decode the fixed header and queue it.  Read from the tree,
 * it counts where TCP's own tap entry would. */
#define HS_TCP_TAPS_CUT_QUOTES HS_WS_AT_LEAST(4, 2)

/* Up to 4.6 (checked in 4.0's epan/tap.c, and by the goldens on 4.4 and
 * 4.6), tap_queue_packet() queues every tap's data while any listener is
 * registered: our tcp listener keeps IP's entries queued too, and a
 * listener of our own on "ip" and "ipv6" would only make every packet's
 * tap push walk two more listeners.  Past 4.6, unchecked: register them. */
#define HS_TAPS_QUEUE_ALL (!HS_WS_AT_LEAST(4, 7))

#endif /* HS_COMPAT_H */
