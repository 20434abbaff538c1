#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packed attempts change nothing a user sees.

The engine packs an attempt that has had no segment for 4096 frames
(plugin/engine/conn_pack.h) and unpacks it for its next segment, and for every
later read (tshark -2's second pass, the GUI, -z hs,conn at the end).  The
captures here are too short for that, so each one is spliced: after every
one of its packets come 4,100 unanswered SYNs of other hosts, at the same
time, so every attempt of the capture is packed between any two of its
packets.  The capture's own packets must then show exactly what they show
unspliced: every golden field, in one pass and in two (with
hs.negotiation, as the golden tests run), and their -z hs,conn rows.

usage: check_packed.py BUILD_DIR CAPTURE...
"""
import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

FILLERS = 4100                         # more than the engine's 4096 cold frames
FILLER_NET = ipaddress.ip_address("10.250.0.0")
SERVER = ipaddress.ip_address("10.249.0.1").packed
# Columns that name frames or streams, which the fillers move.
MOVED = {"frame.number", "uid", "hs.stream"}


def filler(i, ts_sec, ts_usec):
    """One pcap record: an Ethernet/IPv4 SYN from host FILLER_NET + i."""
    src = (FILLER_NET + i).packed
    tcp = struct.pack("!HHIIBBHHH", 40000 + i % 20000, 80, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, SERVER)
    frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + tcp
    return struct.pack("<IIII", ts_sec, ts_usec, len(frame), len(frame)) + frame


def splice(src, dst):
    """Write src with FILLERS SYNs after each packet; the original packets' new frame numbers."""
    with open(src, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    if magic != 0xa1b2c3d4 or struct.unpack("<I", data[20:24])[0] != 1:
        sys.exit(f"{src}: not a little-endian microsecond Ethernet pcap")
    out, frames, pos, n, frame = [data[:24]], [], 24, 0, 0
    while pos + 16 <= len(data):
        ts_sec, ts_usec, incl, _ = struct.unpack("<IIII", data[pos:pos + 16])
        out.append(data[pos:pos + 16 + incl])
        pos += 16 + incl
        frame += 1
        frames.append(frame)
        for _ in range(FILLERS):
            out.append(filler(n, ts_sec, ts_usec))
            n += 1
            frame += 1
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    return frames


def rows(tsv, keep=None):
    """The rows of a -T fields output (without MOVED columns), those of frames `keep` only."""
    lines = tsv.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    cols = [i for i, h in enumerate(header) if h not in MOVED]
    out = []
    for line in lines[1:]:
        cells = line.split("\t")
        if keep is None or int(cells[0]) in keep:
            out.append("\t".join(cells[i] for i in cols))
    return out


def conn_rows(text):
    """-z hs,conn rows of the capture's own hosts, without MOVED columns."""
    log = hstest.ConnLog(text)
    out = []
    for r in log.rows:
        if r["id.orig_h"].startswith("10.25"):
            continue
        out.append("\t".join(v for k, v in r.items() if k not in MOVED))
    return out


def check(ts, path, failures):
    name = os.path.basename(path)
    cap = ts.capture(path)
    spliced = os.path.join(ts.captures, "spliced-" + name)
    keep = set(splice(cap, spliced))
    ts.share(spliced)
    fields = hstest.GOLDEN_FIELDS
    for what, kw in (("one pass", {}),
                     ("two passes", {"two_pass": True, "extra": ["-o", "hs.negotiation:TRUE"]})):
        plain = rows(ts.fields(cap, fields, **kw))
        packed = rows(ts.fields(spliced, fields, **kw), keep)
        if plain != packed:
            hstest.diff(plain, packed, f"{name}, {what}: as captured vs spliced")
            failures.append(f"{name}: {what}: the spliced capture's own packets differ")
    plain = conn_rows(ts.run(["-q", "-r", cap, "-z", "hs,conn"]))
    packed = conn_rows(ts.run(["-q", "-r", spliced, "-z", "hs,conn"]))
    if plain != packed or not plain:
        hstest.diff(plain, packed, f"{name}, -z hs,conn: as captured vs spliced")
        failures.append(f"{name}: -z hs,conn rows differ (or none)")
    print(f"{name}: {len(keep)} packets among {len(keep) * (FILLERS + 1)}, "
          f"{len(plain)} connection rows")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ts = hstest.Tshark(sys.argv[1])
    failures = []
    for path in sys.argv[2:]:
        check(ts, path, failures)
    return hstest.report("packed attempts", failures)


if __name__ == "__main__":
    sys.exit(main())
