#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One line per connection attempt, Zeek conn.log style, over many captures.

Runs, for each capture,
  tshark -2 -o hs.two_pass:TRUE -r CAPTURE -Y hs.conn.last -T fields -e ... (the fields below)
and writes one TSV with a header and a first column naming the capture.
Progress goes to stderr when there are several captures.

usage: conn_table.py [-o OUT.tsv] [--tshark PATH] CAPTURE_OR_DIR...
(a folder is searched for *.pcap, *.pcapng, *.cap).  The plugin must be
installed where tshark loads it (setup.sh does that).
"""
import argparse
import os
import subprocess
import sys

FIELDS = ["hs.stream", "hs.attempt", "hs.initiator", "hs.responder", "hs.conn_state",
          "hs.history", "hs.close.initiator", "hs.rtt.syn_synack", "hs.rtt.synack_ack",
          "hs.rtt.handshake", "hs.conn.packets", "hs.conn.duration"]
EXTENSIONS = (".pcap", ".pcapng", ".cap")


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    if f.endswith(EXTENSIONS):
                        yield os.path.join(root, f)
        else:
            yield p


def rows(tshark, capture):
    cmd = [tshark, "-2", "-o", "hs.two_pass:TRUE", "-r", capture, "-Y", "hs.conn.last", "-T", "fields", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
    return [line for line in p.stdout.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("-o", "--output", help="TSV file (default: standard output)")
    ap.add_argument("--tshark", default="tshark")
    args = ap.parse_args()
    caps = list(captures(args.paths))
    out = open(args.output, "w") if args.output else sys.stdout
    out.write("\t".join(["capture"] + FIELDS) + "\n")
    errors = 0
    for i, cap in enumerate(caps, 1):
        if len(caps) > 1:
            print(f"[{i}/{len(caps)}] {cap}", file=sys.stderr)
        try:
            for line in rows(args.tshark, cap):
                out.write(f"{cap}\t{line}\n")
        except RuntimeError as e:
            errors += 1
            print(f"{cap}: {e}", file=sys.stderr)
    if args.output:
        out.close()
        print(f"wrote {args.output}: {len(caps)} captures, {errors} unreadable", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
