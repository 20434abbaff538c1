/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A libintl that translates nothing, for the Windows test build of GLib
 * (tests/windows/build-wireshark.sh).  GLib needs ngettext() and friends;
 * its own fallback (the proxy-libintl subproject) is downloaded at configure
 * time, which this offline build cannot do.  Messages stay in English, which
 * is what the tests compare anyway.
 */
#include "libintl.h"

char *gettext(const char *m) { return (char *)m; }
char *dgettext(const char *d, const char *m) { (void)d; return (char *)m; }
char *dcgettext(const char *d, const char *m, int c) { (void)d; (void)c; return (char *)m; }
char *ngettext(const char *a, const char *b, unsigned long n) { return (char *)(n == 1 ? a : b); }
char *dngettext(const char *d, const char *a, const char *b, unsigned long n)
{
    (void)d;
    return (char *)(n == 1 ? a : b);
}
char *dcngettext(const char *d, const char *a, const char *b, unsigned long n, int c)
{
    (void)d;
    (void)c;
    return (char *)(n == 1 ? a : b);
}
static char default_domain[] = "messages";
char *textdomain(const char *d) { (void)d; return default_domain; }
char *bindtextdomain(const char *d, const char *p) { (void)d; return (char *)p; }
char *bind_textdomain_codeset(const char *d, const char *c) { (void)d; return (char *)c; }
