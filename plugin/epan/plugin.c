/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plugin.c - the symbols Wireshark's plugin loader looks up.
 *
 * Kept in a file of its own, with WS_BUILD_DLL defined before the first
 * include of ws_symbol_export.h, as Wireshark's generated plugin.c does:
 * MSVC needs that to export them.
 */
#define WS_BUILD_DLL
#include <ws_symbol_export.h>

#include "hs_compat.h"
#include "packet-hs.h"
#include "reports.h"

#ifndef HS_VERSION
#define HS_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = HS_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

/* Registration flows one way, from here: the post-dissector first, then
 * the reports that listen to its tap. */
static void handoff(void)
{
    proto_reg_handoff_hs();
    hs_reports_register();
    hs_conn_log_register();
}

void plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_hs;
    plug.register_handoff = handoff;
    proto_register_plugin(&plug);
}

#if HS_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return HS_PLUGIN_DESC_DISSECTOR;
}
#endif
