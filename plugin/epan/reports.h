/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reports.h - the reports over the "hs" tap (capture.h), registered from the
 * plugin's handoff (plugin.c), after the post-dissector's.
 */
#ifndef HS_REPORTS_H
#define HS_REPORTS_H

#include <epan/prefs.h>

/* reports.c: -z hs,tree (Statistics > Handshake) and the Flow Graph;
 * their preferences (hs.report_top), from the protocol's registration. */
void hs_reports_register(void);
void hs_reports_register_prefs(module_t *prefs);
/* conn_log.c: -z hs,conn, Zeek's conn.log. */
void hs_conn_log_register(void);

#endif /* HS_REPORTS_H */
