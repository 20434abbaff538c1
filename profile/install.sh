#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install (or remove) the "Handshake" Wireshark configuration profile:
# custom columns for hs.label and hs.conn_state, colouring rules for the
# anomalies the Handshake plugin raises, filter buttons and saved filters.
#
#   profile/install.sh              install into your Wireshark profiles folder
#   profile/install.sh --uninstall  remove it again
#
# The profiles folder is Wireshark's own choice: $WIRESHARK_CONFIG_DIR if
# set, else ~/.wireshark if that folder exists (old installations), else
# ${XDG_CONFIG_HOME:-~/.config}/wireshark.  Then choose the profile in
# Wireshark (Edit > Configuration Profiles, or the "Profile:" corner of the
# status bar), or start it with `wireshark -C Handshake` / `tshark -C Handshake`.
# An existing Handshake profile is replaced (changes you made to it are lost).
set -eu

NAME=Handshake
SRC=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)/$NAME

usage() {
    echo "usage: $0 [--uninstall]" >&2
    exit 2
}

action=install
case "${1-}" in
    "") ;;
    --uninstall|-u) action=uninstall ;;
    -h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
esac
[ $# -le 1 ] || usage

if [ -n "${WIRESHARK_CONFIG_DIR-}" ]; then
    confdir=$WIRESHARK_CONFIG_DIR
elif [ -n "${HOME-}" ] && [ -d "$HOME/.wireshark" ]; then
    confdir=$HOME/.wireshark
else
    confdir=${XDG_CONFIG_HOME:-${HOME:?HOME is not set}/.config}/wireshark
fi
dest=$confdir/profiles/$NAME

if [ "$action" = uninstall ]; then
    if [ -d "$dest" ]; then
        rm -rf -- "$dest"
        echo "removed the $NAME profile from $dest"
    else
        echo "no $NAME profile in $dest: nothing to remove"
    fi
    exit 0
fi

[ -d "$SRC" ] || { echo "$0: $SRC is missing" >&2; exit 1; }
mkdir -p -- "$dest"
for f in preferences colorfilters dfilter_buttons dfilters; do
    cp -- "$SRC/$f" "$dest/$f"
done
echo "installed the $NAME profile into $dest"
echo "use it with: wireshark -C $NAME   (or Edit > Configuration Profiles)"
