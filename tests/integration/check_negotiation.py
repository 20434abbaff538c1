#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Negotiation (SPEC section 7) through the real tshark.

  * real Linux captures (captures/real) and third-party ones
    (../shared/captures/tcpdump, skipped where absent) come out as their
    stacks negotiated: ECN, AccECN, Fast Open cookie and data, MPTCP,
    window scaling / SACK / timestamps off on one side;
  * with hs.negotiation on, every way of reading gives the same values:
    single pass (the tcp tap plus option fields), -2 (tree fields only),
    with a display filter, and -2 with a display filter;
  * with it off, ECN, Fast Open data and MPTCP are still there, option
    values are not, and the tree says which preference reads them;
  * no negotiation anomaly on the seed or on any real-stack capture.

usage: check_negotiation.py BUILD_DIR
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

FIELDS = ["frame.number", "hs.label", "hs.opt.mss.initiator", "hs.opt.mss.responder",
          "hs.opt.wscale.initiator", "hs.opt.wscale.responder", "hs.opt.wscale", "hs.opt.sack",
          "hs.opt.ts", "hs.opt.ecn", "hs.opt.tfo", "hs.opt.mptcp", "hs.opt.summary"]
NEGO = ["-o", "hs.negotiation:TRUE"]

# capture -> {field: value on the connection's last packet (final value)}; first connection.
REAL = {
    "ecn.pcap": {"hs.opt.ecn": "ecn", "hs.opt.summary": "MSS 1460/1460, WS 10/10, SACK, TS, ECN"},
    "wscale-off-server.pcap": {"hs.opt.wscale": "0", "hs.opt.wscale.initiator": "10",
                               "hs.opt.wscale.responder": "", "hs.opt.sack": "1"},
    "sack-off-server.pcap": {"hs.opt.sack": "0", "hs.opt.wscale": "1", "hs.opt.ts": "1"},
    "timestamps-off.pcap": {"hs.opt.ts": "0", "hs.opt.sack": "1"},
    "tfo.pcap": {"hs.opt.tfo": "cookie"},
    "normal-4way.pcap": {"hs.opt.summary": "MSS 1460/1460, WS 10/10, SACK, TS, ECN off",
                         "hs.opt.mptcp": "0", "hs.opt.tfo": "off"},
}
SHARED = {
    "accecn_handshake.pcap": {"hs.opt.ecn": "accecn"},
    "tfo-5c1fa7f9ae91.pcap": {"hs.opt.tfo": "cookie"},
    "mptcp-fclose.pcap": {"hs.opt.mptcp": "1"},
}
# Known from the TCP header alone: present with the preference off too.
HEADER_FIELDS = ("hs.opt.ecn", "hs.opt.mptcp")


def rows(ts, cap, extra=(), two=False):
    out = ts.fields(cap, FIELDS, two, list(extra))
    lines = [line.split("\t") for line in out.rstrip("\n").split("\n")]
    return [dict(zip(lines[0], r)) for r in lines[1:]]


def check_values(ts, cap, want, failures):
    name = os.path.basename(cap)
    final = [r for r in rows(ts, cap, NEGO, two=True) if r["hs.label"] or r["hs.opt.summary"]]
    if not final:
        failures.append(f"{name}: no Handshake rows")
        return
    row = final[0]          # -2: final values on every packet, the first connection's first row
    for f, v in want.items():
        if row.get(f) != v:
            failures.append(f"{name}: {f} = {row.get(f)!r}, expected {v!r} (-2, negotiation on)")
    off = [r for r in rows(ts, cap, two=True) if r["hs.label"] or r["hs.opt.summary"]][0]
    for f, v in want.items():
        expect = v if f in HEADER_FIELDS else ""
        if off.get(f) != expect and not (f == "hs.opt.summary"):
            failures.append(f"{name}: {f} = {off.get(f)!r} with the preference off, expected {expect!r}")


def check_same_everywhere(ts, cap, failures):
    """With the preference on: single pass == -2 on each connection's last
    packet; with -Y, the filtered rows agree with the unfiltered ones."""
    name = os.path.basename(cap)
    one = rows(ts, cap, NEGO)
    two = rows(ts, cap, NEGO, two=True)
    if not one or one[-1] != two[-1]:      # the last packet: final values in both
        failures.append(f"{name}: last packet differs between single pass and -2: "
                        f"{one[-1] if one else None} vs {two[-1] if two else None}")
    for two_pass, full in ((False, one), (True, two)):
        filtered = rows(ts, cap, NEGO + ["-Y", "hs.step == 2"], two=two_pass)
        ref = {r["frame.number"]: r for r in full}
        for r in filtered:
            if ref.get(r["frame.number"]) != r:
                failures.append(f"{name}{' -2' if two_pass else ''} -Y: frame {r['frame.number']} "
                                f"{r} differs from {ref.get(r['frame.number'])}")


def check_tree_note(ts, cap, failures):
    out = ts.run(["-r", cap, "-O", "hs", "-Y", "hs.step == 2"])
    if "Analyse option negotiation" not in out or "hs.negotiation" not in out:
        failures.append("preference off: the tree does not say which preference reads option values")
    out = ts.run(NEGO + ["-r", cap, "-O", "hs", "-Y", "hs.step == 2"])
    if "Analyse option negotiation" in out or "[Negotiation: MSS" not in out:
        failures.append("preference on: no Negotiation subtree with option values")


def check_no_anomalies(ts, caps, failures):
    for cap in caps:
        out = ts.run(NEGO + ["-r", cap, "-T", "fields", "-e", "hs.anomaly"])
        bad = sorted({a for line in out.split() for a in line.split(",") if a.startswith("opt.")})
        if bad:
            failures.append(f"{os.path.basename(cap)}: negotiation anomalies on a real stack: {bad}")


def main():
    ts = hstest.Tshark(sys.argv[1])
    failures = []
    real = os.path.join(hstest.SOURCE_DIR, "captures", "real")
    for name, want in REAL.items():
        check_values(ts, ts.capture(os.path.join(real, name)), want, failures)
    shared = hstest.shared_dir("captures", "tcpdump")
    if shared:
        for name, want in SHARED.items():
            check_values(ts, ts.capture(os.path.join(shared, name)), want, failures)
    for name in ("ecn.pcap", "tfo.pcap", "wscale-off-server.pcap"):
        check_same_everywhere(ts, ts.capture(os.path.join(real, name)), failures)
    check_tree_note(ts, ts.capture(os.path.join(real, "ecn.pcap")), failures)
    caps = [ts.capture(p) for p in sorted(glob.glob(os.path.join(real, "*.pcap")))]
    caps.append(ts.capture(os.path.join(hstest.SOURCE_DIR, "captures", "seed-handshake.pcap")))
    check_no_anomalies(ts, caps, failures)
    return hstest.report("negotiation", failures)


if __name__ == "__main__":
    sys.exit(main())
