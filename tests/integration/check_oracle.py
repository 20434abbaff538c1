#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hs.accept against what a real Linux kernel did (SPEC section 8).

captures/real/rst-oracle.pcap (tests/recorder/record.sh rst-oracle): on an
established connection a raw socket injects, with the client's 4-tuple, an
RST inside the server's window, an RST outside it, a SYN, and an RST at
RCV.NXT.  What the server's kernel did with each is read from the capture
alone, without the plugin:

  challenge  its next segment is a pure ACK that acknowledges nothing new
             (RFC 5961's challenge ACK);
  ignored    it sends nothing until the client's next segment, and the
             connection goes on;
  accepted   the connection is gone: the client's next data gets a RST.

The plugin's hs.accept must say the same for every injected segment.  And
the other real captures, ordinary Linux connections, and the seed raise none
of section 8's anomalies.

usage: check_oracle.py BUILD_DIR
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

CAPTURE = os.path.join(hstest.SOURCE_DIR, "captures", "real", "rst-oracle.pcap")
FIELDS = ["frame.number", "ip.src", "tcp.flags", "tcp.ack_raw", "tcp.len"]
CLIENT = "198.18.0.1"
SYN, RST, ACK = 0x02, 0x04, 0x10


def kernel_verdicts(rows):
    """{frame: verdict} for each client SYN or RST after the handshake."""
    verdicts, last_server_ack, established = {}, None, False
    for i, r in enumerate(rows):
        flags = int(r["tcp.flags"], 16)
        if r["ip.src"] != CLIENT:
            if flags & ACK and not flags & (SYN | RST):
                established = True
                last_server_ack = r["tcp.ack_raw"]
            continue
        if not established or not flags & (SYN | RST):
            continue
        later = rows[i + 1:]
        nxt_client = next((k for k, x in enumerate(later) if x["ip.src"] == CLIENT), len(later))
        answers = [x for x in later[:nxt_client] if x["ip.src"] != CLIENT]
        if answers and int(answers[0]["tcp.flags"], 16) == ACK and answers[0]["tcp.len"] == "0" \
                and answers[0]["tcp.ack_raw"] == last_server_ack:
            verdicts[r["frame.number"]] = "challenge"
        elif not answers and any(x["ip.src"] != CLIENT and not int(x["tcp.flags"], 16) & RST
                                 for x in later[nxt_client:]):
            verdicts[r["frame.number"]] = "ignored"
        elif any(x["ip.src"] != CLIENT and int(x["tcp.flags"], 16) & RST for x in later) or not later:
            verdicts[r["frame.number"]] = "accepted"
        else:
            verdicts[r["frame.number"]] = "?"
    return verdicts


def table(ts, cap, fields, extra=()):
    out = ts.run(list(extra) + ["-r", cap, "-T", "fields", "-E", "header=y"] +
                 [a for f in fields for a in ("-e", f)])
    lines = [line.split("\t") for line in out.rstrip("\n").split("\n")]
    return [dict(zip(lines[0], r)) for r in lines[1:]]


SECTION_8 = {"rst.out_of_window", "rst.challenge", "rst.data", "syn.in_connection", "revived",
             "data.before_established"}


def check_ordinary(ts, failures):
    caps = [p for p in sorted(glob.glob(os.path.join(hstest.SOURCE_DIR, "captures", "real", "*.pcap")))
            if p != CAPTURE] + [os.path.join(hstest.SOURCE_DIR, "captures", "seed-handshake.pcap")]
    for path in caps:
        out = ts.run(["-2", "-r", ts.capture(path), "-T", "fields", "-e", "hs.anomaly"])
        bad = sorted({a for line in out.split() for a in line.split(",")} & SECTION_8)
        if bad:
            failures.append(f"{os.path.basename(path)}: an ordinary capture raises {bad}")
    print(f"{len(caps)} ordinary captures checked for section 8 anomalies")


def main():
    ts = hstest.Tshark(sys.argv[1])
    cap = ts.capture(CAPTURE)
    kernel = kernel_verdicts(table(ts, cap, FIELDS))
    failures = []
    if sorted(kernel.values()) != ["accepted", "challenge", "challenge", "ignored"]:
        failures.append(f"the capture does not show the four recorded cases: {kernel}")
    for two in ([], ["-2"]):
        plugin = {r["frame.number"]: r["hs.accept"] for r in table(ts, cap, ["frame.number", "hs.accept"], two)}
        for frame, verdict in sorted(kernel.items(), key=lambda kv: int(kv[0])):
            print(f"frame {frame}: kernel {verdict}, plugin {plugin.get(frame)!r}{' (-2)' if two else ''}")
            if plugin.get(frame) != verdict:
                failures.append(f"frame {frame}{' -2' if two else ''}: the kernel's verdict is {verdict}, "
                                f"hs.accept says {plugin.get(frame)!r}")
    check_ordinary(ts, failures)
    return hstest.report("kernel oracle", failures)


if __name__ == "__main__":
    sys.exit(main())
