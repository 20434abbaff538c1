#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed corpus for fuzz_engine: the TCP segments of real captures, in the
fuzzer's 16-byte record format (see the comment at the top of fuzz_engine.c).

Each capture is read with `tshark -T fields` (tcp.stream, tcp.flags,
tcp.seq_raw, tcp.ack_raw, tcp.len, ...).  Streams are renumbered in order
of appearance and cut into groups of 8 (the fuzzer's stream range); each
group becomes one corpus file of at most MAX_RECORDS segments, named after
the capture.  Numbers are written absolute (the "relative" bit clear), so
every seed replays exactly what the capture holds.

usage: make_corpus.py OUT_DIR CAPTURE_OR_DIR...
"""
import concurrent.futures
import hashlib
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from captures import find_captures  # noqa: E402

MAX_RECORDS = 256          # 4096 bytes: the fuzzer's -max_len
MAX_PACKETS = 5000         # read no further into a capture
STREAMS_PER_FILE = 8
FIELDS = ["frame.number", "frame.time_epoch", "tcp.stream", "tcp.flags", "tcp.seq_raw",
          "tcp.ack_raw", "tcp.len", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
          "tcp.dstport"]
# A few of Zeek's likely_server_ports, enough to give the seeds port hints.
SERVER_PORTS = {20, 21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 993, 995, 3128, 8080}
HINT_SPORT_SERVER, HINT_DPORT_SERVER, HINT_SPORT_LOWER, HINT_PORTS_EQUAL = 1, 2, 4, 8
HAVE_SEQ, HAVE_ACK, HAVE_LEN = 1, 2, 4


def tshark_rows(path):
    cmd = ["tshark", "-n", "-c", str(MAX_PACKETS), "-r", path, "-T", "fields", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if len(f) != len(FIELDS) or not f[2] or not f[3]:
            continue
        yield dict(zip(FIELDS, f))


def encode_time(delta_ns):
    """(exponent, mantissa, backward) with (mantissa + 1) << exponent ~ |delta|."""
    back = delta_ns < 0
    d = abs(delta_ns)
    if d == 0:
        return 0, 0, False      # 1 ns: the smallest step there is
    e = 0
    while (d >> e) > 256:
        e += 1
    m = max(1, min(256, round(d / (1 << e)))) - 1
    return min(e, 51), m, back


def to_int(s, default=0):
    try:
        return int(s, 0)
    except ValueError:
        return default


def records(path):
    streams = {}       # tcp.stream -> (index, first sender)
    tuples = {}        # unordered 4-tuple -> id 1..7
    groups = {}        # group -> list of records
    last_time = {}     # group -> time of its previous record, ns
    for r in tshark_rows(path):
        stream = to_int(r["tcp.stream"])
        src = (r["ip.src"] or r["ipv6.src"], r["tcp.srcport"])
        dst = (r["ip.dst"] or r["ipv6.dst"], r["tcp.dstport"])
        if stream not in streams:
            streams[stream] = (len(streams), src)
        idx, first = streams[stream]
        group, sid = divmod(idx, STREAMS_PER_FILE)
        recs = groups.setdefault(group, [])
        if len(recs) >= MAX_RECORDS:
            continue
        direction = 0 if src == first else 1
        key = tuple(sorted([src, dst]))
        if key not in tuples:
            tuples[key] = len(tuples) % 7 + 1
        have = 0
        seq = to_int(r["tcp.seq_raw"], None)
        ack = to_int(r["tcp.ack_raw"], None)
        length = to_int(r["tcp.len"], None)
        have |= HAVE_SEQ if seq is not None else 0
        have |= HAVE_ACK if ack is not None else 0
        have |= HAVE_LEN if length is not None else 0
        flags = to_int(r["tcp.flags"]) & 0xfff
        sport, dport = to_int(r["tcp.srcport"]), to_int(r["tcp.dstport"])
        hint = ((HINT_SPORT_SERVER if sport in SERVER_PORTS else 0) |
                (HINT_DPORT_SERVER if dport in SERVER_PORTS else 0) |
                (HINT_SPORT_LOWER if sport < dport else 0) |
                (HINT_PORTS_EQUAL if sport == dport else 0))
        t = int(round(float(r["frame.time_epoch"] or 0) * 1e9))
        prev = last_time.get(group)
        exp, mant, back = encode_time(t - prev if prev is not None else t % (1 << 40))
        last_time[group] = t
        length = min(length or 0, 0xffef)
        b0 = sid | direction << 3 | have << 4
        b2 = (flags >> 8) & 0x0f          # frame step selector 0: the next frame
        b3 = tuples[key] | (8 if back else 0) | hint << 4
        recs.append(struct.pack("<BBBBIIHBB", b0, flags & 0xff, b2, b3, (seq or 0) & 0xffffffff,
                                (ack or 0) & 0xffffffff, length, exp, mant))
    return groups


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = 0
    caps = find_captures(sys.argv[2:])
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = list(pool.map(records, caps))
    for cap, groups in zip(caps, results):
        base = os.path.basename(cap).split(".")[0]
        for group, recs in sorted(groups.items()):
            if not recs:
                continue
            data = b"".join(recs)
            name = f"{base}-{group}-{hashlib.sha1(data).hexdigest()[:8]}"
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            files += 1
    print(f"make_corpus: {files} seed files from {len(caps)} captures in {out}")
    return 0 if files else 1


if __name__ == "__main__":
    sys.exit(main())
