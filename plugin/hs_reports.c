/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hs_reports.c - tshark/GUI reports over the "hs" tap (placeholder until
 * the stats_tree and Flow Graph land). */
#include "hs_compat.h"
#include "packet-hs.h"

void hs_reports_register(int proto_hs)
{
    (void)proto_hs;
}
