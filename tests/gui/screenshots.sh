#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# GUI check: run the real Wireshark (Qt) under Xvfb with the Handshake plugin
# and the Handshake profile, and take the pictures of the README's tour:
#
#   docs/images/packet-list-default.png
#                                   the Default profile (no Handshake profile, no
#                                   column widths of ours) on a real capture with
#                                   TCP options: every step label must be read on
#                                   it, so within the Info column's visible part;
#                                   and the same with hs.info_column:end must miss
#                                   some (the check can fail, and did before)
#   docs/images/handshake-tree.png  captures/seed-handshake.pcap, the SYN+ACK
#                                   (frame 2) selected, its Handshake tree expanded
#   docs/images/flow-graph.png      Statistics > Flow Graph, flow type "Handshake"
#   docs/images/profile-colours.png five synthetic anomalies (refused, SYN never
#                                   answered, retransmission, bad ACK, RST abort)
#                                   in the colours of the Handshake profile
#   docs/images/statistics-handshake.png
#                                   Statistics > Handshake on a capture where the
#                                   server is slow and drops SYNs for 20 s
#                                   (tests/gui/slow_connect.py)
#   docs/images/io-graph.png        Statistics > I/O Graph on it: the handshake RTT
#                                   (AVG of hs.rtt.handshake) and the SYNs never
#                                   answered (hs.syn.unanswered) per second
#
# Each picture is read back with OCR (tesseract) and the script fails if the
# Handshake text is not on it (the I/O Graph's bars: by their colours).
#
# usage: tests/gui/screenshots.sh [--build-dir DIR] [--out DIR] [--keep]
#   --build-dir DIR  a build folder holding plugins/X.Y/epan/hs.so
#                    (default: build the working tree into a temporary folder)
#   --out DIR        where the PNGs go (default: docs/images)
#   --keep           keep the staging folder (Wireshark's home, logs, raw shots)
#
# Installs what it needs with apt-get (as root, or through sudo): wireshark-qt,
# xvfb, xdotool, x11-utils, imagemagick, tesseract-ocr, fonts-dejavu-core.
# Wireshark ignores WIRESHARK_PLUGIN_DIR and personal plugin folders when run
# as root, so as root the GUI runs as the user "nobody" (HS_GUI_USER=... picks
# another) with the plugin, the capture and its HOME staged in a world-readable
# temporary folder; as an ordinary user it runs as you, with that same HOME.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$SRC/tests/gui
BUILD=
OUT=$SRC/docs/images
KEEP=0
W=1280                       # screen and main window size
H=1024
FLOW_W=960                   # Flow Graph dialog size
FLOW_H=400
CAPTURE=$SRC/captures/seed-handshake.pcap
REAL_CAPTURE=$SRC/captures/real/normal-4way.pcap
IO_W=1000                    # I/O Graph and Statistics dialog size
IO_H=720
STATS_H=900                  # Statistics > Handshake: every row without scrolling

while [ $# -gt 0 ]; do
    case $1 in
        --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
        --out) mkdir -p "$2"; OUT=$(cd "$2" && pwd); shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '3,45p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

log() { printf '== %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

mkdir -p "$OUT"

# ---------------------------------------------------------------- packages
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have wireshark || need+=(wireshark-qt)
have Xvfb || need+=(xvfb)
have xdotool || need+=(xdotool)
have xwininfo || need+=(x11-utils)
[ -x /usr/bin/import ] && [ -x /usr/bin/convert ] || need+=(imagemagick)
have tesseract || need+=(tesseract-ocr)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
have python3 || need+=(python3)
if [ -z "$BUILD" ]; then have cmake && have cc || need+=(cmake gcc libc6-dev make pkg-config wireshark-dev libwireshark-dev); fi
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    # wireshark-common asks whether non-root users may capture: keep the default (no).
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---------------------------------------------------------------- staging
STAGE=$(mktemp -d /tmp/hs-gui.XXXXXX)
chmod 755 "$STAGE"
XVFB_PID=
WS_PID=
cleanup() {
    set +e
    if [ -n "$WS_PID" ]; then kill "$WS_PID" 2>/dev/null; wait "$WS_PID" 2>/dev/null; fi
    if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; fi
    if [ "$KEEP" = 1 ]; then echo "kept $STAGE"; else rm -rf "$STAGE"; fi
}
trap cleanup EXIT

if [ -z "$BUILD" ]; then
    BUILD=$STAGE/build
    log "building the plugin from the working tree into $BUILD"
    cmake -S "$SRC" -B "$BUILD" -DHS_BUILD_TESTS=OFF >"$STAGE/cmake.log" 2>&1 \
        && cmake --build "$BUILD" >>"$STAGE/cmake.log" 2>&1 \
        || { tail -30 "$STAGE/cmake.log"; die "the plugin does not build"; }
fi
ls "$BUILD"/plugins/*/epan/hs.so >/dev/null 2>&1 || die "no plugins/X.Y/epan/hs.so in $BUILD"

cp -r "$BUILD/plugins" "$STAGE/plugins"
cp "$CAPTURE" "$REAL_CAPTURE" "$STAGE/"
python3 "$HERE/slow_connect.py" "$STAGE/slow-connect.pcap"
CAP=$STAGE/$(basename "$CAPTURE")
cp -r "$SRC/profile" "$STAGE/profile"
mkdir -p "$STAGE/home" "$STAGE/run" "$STAGE/shots"
chmod -R a+rX "$STAGE"
chmod 700 "$STAGE/run"

if [ "$(id -u)" -eq 0 ]; then
    GUI_USER=${HS_GUI_USER:-nobody}
    chown -R "$GUI_USER" "$STAGE/home" "$STAGE/run"
    as_user() { runuser -u "$GUI_USER" -- "$@"; }
    # In the background, with $! the process itself (runuser passes a
    # SIGTERM on to Wireshark), not a subshell running a function.
    bg_user() { runuser -u "$GUI_USER" -- "$@" & }
else
    as_user() { "$@"; }
    bg_user() { "$@" & }
fi
ENV=(env -i PATH=/usr/bin:/bin HOME="$STAGE/home" LANG=C.UTF-8 XDG_RUNTIME_DIR="$STAGE/run"
     WIRESHARK_PLUGIN_DIR="$STAGE/plugins")

# The profile, installed the way a user installs it.
as_user "${ENV[@]}" sh "$STAGE/profile/install.sh" >/dev/null
CONF=$STAGE/home/.config/wireshark
[ -f "$CONF/profiles/Handshake/preferences" ] || die "profile/install.sh did not install the profile"
# Window geometry, panes and column widths for the pictures (Wireshark's
# "recent" files, which it would otherwise write itself on exit).
write_recent_common() {  # PROFILE ("" for Default): the profile Wireshark opens with
    as_user tee "$CONF/recent_common" >/dev/null <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $W
gui.geometry_main_height: $H
gui.geometry_main_maximized: FALSE
${1:+gui.last_used_profile: $1}
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
EOF
}
write_recent() {  # UPPER-PANE-HEIGHT: the profile's recent file (panes, column widths)
    as_user tee "$CONF/profiles/Handshake/recent" >/dev/null <<EOF
gui.byte_view_show: FALSE
gui.packet_diagram_show: FALSE
gui.geometry_main_upper_pane: $1
column.width:
	%m, 45,
	%t, 85,
	%s, 125,
	%d, 125,
	%p, 65,
	%L, 55,
	"%Cus:hs.label", 270,
	"%Cus:hs.conn_state", 80,
	%i, -1
EOF
}

# ---------------------------------------------------------------- X server
n=90
while [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ]; do n=$((n + 1)); done
export DISPLAY=:$n
Xvfb "$DISPLAY" -screen 0 ${W}x${H}x24 -nolisten tcp >"$STAGE/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.2; done
xdpyinfo >/dev/null 2>&1 || { cat "$STAGE/xvfb.log"; die "Xvfb did not start on $DISPLAY"; }
log "Xvfb on $DISPLAY (${W}x${H})"

# ---------------------------------------------------------------- helpers
shot() { import -window "${2:-root}" "$STAGE/shots/$1.png"; echo "$STAGE/shots/$1.png"; }
ocr() { python3 "$HERE/ocr_find.py" "$@"; }
wait_window() {  # NAME-REGEX [SECONDS] -> window id
    local id
    for _ in $(seq $((${2:-30} * 5))); do
        id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1) || true
        [ -n "$id" ] && { echo "$id"; return 0; }
        sleep 0.2
    done
    return 1
}
click_text() {  # PHRASE [--region X,Y,W,H]: click the middle of PHRASE on the screen
    local img pos
    img=$(shot click)
    pos=$(ocr "$img" "$@") || return 1
    set -- $pos
    xdotool mousemove "$1" "$2" click 1
}
check_text() {  # IMAGE PHRASE...: every phrase must be read on the image
    local img=$1 missing=0 text
    shift
    text=$(ocr "$img" --text)
    for p in "$@"; do
        if ! grep -qiF -- "$p" <<<"$text"; then echo "  not on $(basename "$img"): \"$p\""; missing=1; fi
    done
    return $missing
}

start_wireshark() {  # CAPTURE FRAME UPPER-PANE-HEIGHT [WIRESHARK-ARGS...] -> $MAIN, $WS_PID
    # The Handshake profile, with our pane height and column widths; with an
    # UPPER-PANE-HEIGHT of "default", the Default profile as it comes.
    local cap=$1 frame=$2 pane=$3 profile=(-C Handshake)
    shift 3
    if [ "$pane" = default ]; then
        profile=(); write_recent_common ""
    else
        write_recent_common Handshake; write_recent "$pane"
    fi
    log "starting Wireshark as ${GUI_USER:-$(id -un)}: wireshark ${profile[*]} $* -r $(basename "$cap") -g $frame"
    bg_user "${ENV[@]}" DISPLAY="$DISPLAY" wireshark "${profile[@]}" "$@" -r "$cap" -g "$frame" \
        >>"$STAGE/wireshark.log" 2>&1
    WS_PID=$!
    MAIN=$(wait_window "$(basename "$cap")" 60) || { cat "$STAGE/wireshark.log"; die "no Wireshark window"; }
    sleep 3                                    # let it read and dissect the file
    xdotool windowmove "$MAIN" 0 0 windowsize "$MAIN" $W $H
    sleep 1
    if grep -E "Dissector bug|hs\.so|Handshake" "$STAGE/wireshark.log"; then
        die "Wireshark reported a problem with the plugin"
    fi
}
stop_wireshark() {  # File > Quit (Ctrl+Q), or a SIGTERM after 10 s
    # Escape closes a dialog or menu; a click on the status bar focuses the
    # main window for its Ctrl+Q.
    xdotool key Escape sleep 0.5 mousemove $((W / 2)) $((H - 8)) click 1 sleep 0.3 key ctrl+q \
        2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$WS_PID" 2>/dev/null || break; sleep 0.2; done
    kill "$WS_PID" 2>/dev/null || true
    wait "$WS_PID" 2>/dev/null || true
    WS_PID=
}
expand_handshake_tree() {
    # Focus the packet details pane (a click below its items); End selects
    # its last top-level item, the Handshake tree (a post-dissector comes
    # last), and Shift+Right is View > Expand Subtrees.
    xdotool mousemove $((W / 2)) $((H - 60)) click 1
    sleep 0.3
    xdotool key End
    sleep 0.3
    xdotool key shift+Right
    sleep 0.3
    xdotool mousemove $((W - 5)) 5             # no hover highlight in the picture
    sleep 1
}

# ---------------------------------------------------------------- 0. the Default profile's packet list
# A first-time user: no Handshake profile, Wireshark's own columns at their
# own widths, a real capture whose SYNs carry MSS, SACK_PERM, timestamps and
# window scale.  Every step label must be read in the packet list.
REAL=$STAGE/$(basename "$REAL_CAPTURE")
LABELS=("SYN(x)" "SYN+ACK(y,x+1)" "ACK(y+1)" "FIN(X)" "ACK(X+1)" "FIN(Y)" "ACK(Y+1)")
labels_read() {  # IMAGE: how many of LABELS are read on it (those missing on stderr)
    local text n=0
    text=$(ocr "$1" --text --large)
    for l in "${LABELS[@]}"; do
        if grep -qF -- "$l" <<<"$text"; then n=$((n + 1)); else echo "  not read: $l" >&2; fi
    done
    echo "$n"
}
# Frame 4 (data, no step) selected: its details pane shows no label, so
# every label read comes from the packet list.
start_wireshark "$REAL" 4 default
xdotool mousemove $((W - 5)) 5
sleep 0.5
list=$(shot packet-list-default "$MAIN")
log "checking $(basename "$list")"
n=$(labels_read "$list")
[ "$n" = ${#LABELS[@]} ] \
    || die "$n of ${#LABELS[@]} step labels read in the Default profile's packet list (run with --keep and look at $list)"
cp "$list" "$OUT/packet-list-default.png"
log "wrote $OUT/packet-list-default.png (${#LABELS[@]} labels read)"
stop_wireshark
# The same at the end of Info, as up to 0.1.0: past the column's edge.
start_wireshark "$REAL" 4 default -o hs.info_column:end
xdotool mousemove $((W - 5)) 5
sleep 0.5
n=$(labels_read "$(shot packet-list-end "$MAIN")" 2>/dev/null)
[ "$n" -lt ${#LABELS[@]} ] || die "with hs.info_column:end every label is read too: the check above proves nothing"
log "with hs.info_column:end only $n of ${#LABELS[@]} labels are read (as expected)"
stop_wireshark

# ---------------------------------------------------------------- 1. the Handshake tree
start_wireshark "$CAP" 2 215
expand_handshake_tree
tree=$(shot handshake-tree "$MAIN")
log "checking $(basename "$tree")"
check_text "$tree" "Handshake (TCP connection lifecycle)" \
    "Step 2/3 of the opening handshake: SYN+ACK(y,x+1)" "y=38598258" \
    "Responder state: SYN" "Connection state (Zeek): SF" "SYN to SYN+ACK" \
    || die "the Handshake tree is not on the picture (kept: run with --keep and look at $tree)"
cp "$tree" "$OUT/handshake-tree.png"
log "wrote $OUT/handshake-tree.png"

# ---------------------------------------------------------------- 2. the Flow Graph
# Statistics > Flow Graph, then flow type "Handshake".
click_text "Statistics" --region 0,0,$W,30 || die "no Statistics menu"
sleep 0.7
click_text "Flow Graph" || die "no Flow Graph in the Statistics menu"
FLOW=$(wait_window "Flow" 30) || die "no Flow Graph window"
sleep 1
xdotool windowmove "$FLOW" 0 0 windowsize "$FLOW" $FLOW_W $FLOW_H
sleep 1
# The flow type combo box sits right of its "Flow type:" label; typing in
# its open list selects the entry by name.
img=$(shot flow-dialog "$FLOW")
pos=$(ocr "$img" "Flow typ") || die "no Flow type box in the Flow Graph dialog"
set -- $pos
xdotool mousemove $(($5 + 60)) "$2" click 1
sleep 0.7
xdotool type --delay 60 "Handshake"
xdotool key Return
sleep 1.5
xdotool mousemove $((W - 5)) $((H - 5))
sleep 0.5
flow=$(shot flow-graph "$FLOW")
log "checking $(basename "$flow")"
check_text "$flow" "Step 1/3 of the opening handshake" "Step 4/4 of the close" "ACK(y+1)" "FIN(X)" \
    || die "the Handshake flow graph is not on the picture (is the \"Handshake\" flow type registered?)"
cp "$flow" "$OUT/flow-graph.png"
log "wrote $OUT/flow-graph.png"
stop_wireshark

# ---------------------------------------------------------------- 3. the profile's colours
# Five synthetic connections one after the other (each shifted in time to
# start 10 s after the previous one): refused, SYN never answered,
# SYN+ACK retransmitted, wrong acknowledgment numbers, RST abort; the RST
# refusing the first SYN (frame 2) selected.
parts=()
t=1389780000                                   # 2014-01-15 10:00:00 UTC
for c in refused syn-unanswered synack-retrans bad-acks rst-abort; do
    f=$SRC/captures/synthetic/$c.pcap
    first=$(capinfos -T -r -S -a "$f" | cut -f2)
    editcap -t "$(python3 -c "print($t - $first)")" "$f" "$STAGE/part-$c.pcap"
    parts+=("$STAGE/part-$c.pcap")
    t=$((t + 10))
done
ANOM=$STAGE/anomalies.pcap
mergecap -w "$ANOM" "${parts[@]}"
chmod a+r "$ANOM"
start_wireshark "$ANOM" 2 590
expand_handshake_tree
colours=$(shot profile-colours "$MAIN")
log "checking $(basename "$colours")"
check_text "$colours" "RST(refused)" "REJ" "RSTO" "(retransmission)" "Connection refused: RST answering the SYN" \
    || die "the coloured anomalies are not on the picture (kept: run with --keep and look at $colours)"
# The "Refused" filter button (its filter holds quotes, written \x22 in the
# profile's dfilter_buttons) shows the 4 packets of the refused connection.
click_text "Refused" --region 0,60,$W,40 || die "no Refused filter button"
sleep 2
img=$(shot refused-button "$MAIN")
check_text "$img" "Displayed: 4" || die "the Refused button does not filter"
cp "$colours" "$OUT/profile-colours.png"
log "wrote $OUT/profile-colours.png"
stop_wireshark
# ---------------------------------------------------------------- 4. Statistics > Handshake, I/O Graph
# "The site is slow to connect": 60 connections, the middle 20 s slow, with
# SYNs never answered.  The I/O Graph's graphs are Wireshark's io_graphs
# table (a UAT) in the profile, as the dialog itself saves it: Enabled,
# Name, Display filter, Color, Style, Y Axis, Y Field, SMA Period, Y Axis
# Factor.
RTT_COLOUR="#1f77b4"
UNANSWERED_COLOUR="#d62728"
as_user tee "$CONF/profiles/Handshake/io_graphs" >/dev/null <<EOF
# This file is automatically generated, DO NOT MODIFY.
"TRUE","Handshake RTT (s)","hs.step == 3","$RTT_COLOUR","Bar","AVG(Y Field)","hs.rtt.handshake","None","1"
"TRUE","SYNs never answered","hs.syn.unanswered","$UNANSWERED_COLOUR","Bar","Packets","","None","1"
EOF
start_wireshark "$STAGE/slow-connect.pcap" 1 215
click_text "Statistics" --region 0,0,$W,30 || die "no Statistics menu"
sleep 0.7
# Below the filter buttons (one of them is "Handshakes").
click_text "Handshake" --region 0,100,$W,$((H - 100)) || die "no Handshake in the Statistics menu"
STATS=$(wait_window "Handshake" 30) || die "no Statistics > Handshake window"
sleep 2
xdotool windowmove "$STATS" 0 0 windowsize "$STATS" $IO_W $STATS_H
sleep 1
# One click on the Topic header sorts it A to Z: the anomalies first.
click_text "Topic" --region 0,0,$IO_W,60 || die "no Topic / Item header in the statistics window"
sleep 1
xdotool mousemove $((W - 5)) $((H - 5))
sleep 0.5
stats=$(shot statistics-handshake "$STATS")
log "checking $(basename "$stats")"
# "Initiators with failed attempts" and its row are drawn by a second tap
# listener (reports.c): read here, they show the GUI draws it in time.
check_text "$stats" "Anomalies by kind" "hs.syn.unanswered" "Connections by state" "REJ" "SF" "Handshake RTT" \
    "100-1000 ms" "never closed" "3-packet" "Initiators with failed attempts" "192.0.2.10" \
    || die "the Handshake statistics are not on the picture (kept: run with --keep and look at $stats)"
cp "$stats" "$OUT/statistics-handshake.png"
log "wrote $OUT/statistics-handshake.png"
click_text "Close" --region 0,$((STATS_H - 60)),$IO_W,60 || die "no Close button in the statistics window"
sleep 1

click_text "Statistics" --region 0,0,$W,30 || die "no Statistics menu"
sleep 0.7
# "I/O Graphs" is read as "1/O", "VO" ...: its mnemonic, I, opens it.
xdotool key i
IO=$(wait_window "I/O Graph" 30) || die "no I/O Graph window"
sleep 3
xdotool windowmove "$IO" 0 0 windowsize "$IO" $IO_W $IO_H
sleep 2
xdotool mousemove $((W - 5)) $((H - 5))
sleep 0.5
io=$(shot io-graph "$IO")
log "checking $(basename "$io")"
check_text "$io" "Handshake RTT (s)" "SYNs never answered" "hs.step == 3" "AVG(Y Field)" "hs.rtt.hands" \
    || die "the I/O Graph's Handshake graphs are not on the picture (kept: run with --keep and look at $io)"
# Pixels of a colour: the two swatches (legend, table) are about 500, the bars thousands.
pixels() { convert "$1" -fill black +opaque "$2" -fill white -opaque "$2" -format "%[fx:round(mean*w*h)]" info:; }
rtt_px=$(pixels "$io" "$RTT_COLOUR")
syn_px=$(pixels "$io" "$UNANSWERED_COLOUR")
log "I/O Graph: $rtt_px pixels of RTT bars, $syn_px of unanswered-SYN bars"
[ "$rtt_px" -gt 3000 ] && [ "$syn_px" -gt 3000 ] || die "the I/O Graph draws no bars for the Handshake fields"
cp "$io" "$OUT/io-graph.png"
log "wrote $OUT/io-graph.png"
stop_wireshark
echo "screenshots: 6 passed, 0 failed"
