/* SPDX-License-Identifier: GPL-2.0-or-later
 * The declarations of intl-stub.c (see there). */
#ifndef HS_LIBINTL_STUB_H
#define HS_LIBINTL_STUB_H
char *gettext(const char *msgid);
char *dgettext(const char *domain, const char *msgid);
char *dcgettext(const char *domain, const char *msgid, int category);
char *ngettext(const char *msgid1, const char *msgid2, unsigned long n);
char *dngettext(const char *domain, const char *msgid1, const char *msgid2, unsigned long n);
char *dcngettext(const char *domain, const char *msgid1, const char *msgid2, unsigned long n, int category);
char *textdomain(const char *domain);
char *bindtextdomain(const char *domain, const char *dirname);
char *bind_textdomain_codeset(const char *domain, const char *codeset);
#endif
