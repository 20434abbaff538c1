#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -z hs,conn: the connection log report (SPEC section 9).

  check_conn_log.py BUILD_DIR golden CAPTURE EXPECTED [--update]
      the log of CAPTURE, but for its #open/#close times (and hs.stream,
      which is Wireshark's tcp.stream), equals EXPECTED (HS_UPDATE_GOLDEN=1
      or --update rewrites it); -2 gives the same log.
  check_conn_log.py BUILD_DIR consistency CAPTURE...
      on every capture: one row per attempt (as hs.conn.last marks them),
      conn_state, history, stream and attempt as the two-pass fields give
      them, packets and IP bytes per direction as the packets' own ip.len /
      ipv6.plen add up, unique uids, rows in time order.
  check_conn_log.py BUILD_DIR behaviour
      Zeek's header, filters (selecting attempts, never cutting their values),
      bad arguments, several reports in one run, reproducible uids.
"""
import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

CAPS = os.path.join(hstest.SOURCE_DIR, "captures")
ZEEK_FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes "
               "conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts "
               "resp_ip_bytes tunnel_parents").split()
ZEEK_TYPES = ("time string addr port addr port enum string interval count count string bool bool count string "
              "count count count count set[string]").split()
ZEEK_META = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn"]
WHEN = re.compile(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d")


def conn_log(ts, cap, *extra, arg="hs,conn"):
    # tshark -2 without the two_pass preference says, on stderr, what it costs.
    return hstest.ConnLog(ts.run(["-q", "-r", cap, "-z", arg] + list(extra),
                                 allow_stderr="runs its first pass without taps"))


# ---- golden -------------------------------------------------------------------

def version_free(lines):
    """The log's lines without hs.stream, which is Wireshark's tcp.stream and so
    depends on the version (4.2+ starts a new stream for a SYN after FIN or
    RST); the consistency check compares it with the packets on every version."""
    header = next((line.split("\t")[1:] for line in lines if line.startswith("#fields\t")), [])
    if "hs.stream" not in header:
        return lines
    col = header.index("hs.stream")
    out = []
    for line in lines:
        cells = line.split("\t")
        if not line.startswith("#"):
            cells[col] = "*"
        out.append("\t".join(cells))
    return out


def golden(ts, capture, expected_path, update):
    cap = ts.capture(capture)
    log = conn_log(ts, cap)
    got = "\n".join(log.stable()) + "\n"
    if update:
        with open(expected_path, "w") as f:
            f.write(got)
        print(f"updated {expected_path}")
        return []
    failures = []
    with open(expected_path) as f:
        expected = f.read()
    a, b = version_free(expected.rstrip("\n").split("\n")), version_free(got.rstrip("\n").split("\n"))
    if a != b:
        hstest.diff(a, b, f"-z hs,conn on {capture}")
        failures.append(f"{capture}: log differs from {expected_path}")
    for two_pass in (True, False):   # final values on the first pass, or a blind first pass
        two = conn_log(ts, cap, "-2", "-o", f"hs.two_pass:{'TRUE' if two_pass else 'FALSE'}")
        if two.stable() != log.stable():
            failures.append(f"{capture}: -2 (hs.two_pass {two_pass}) gives another log")
    return failures


# ---- consistency ---------------------------------------------------------------------

def key(a, b, attempt):
    return tuple(sorted([a, b])) + (attempt,)


def expected_from_packets(ts, cap):
    """Per attempt, from two-pass per-packet fields: its final values and
    packets / IP bytes by sending endpoint."""
    # An ICMP error linked to an attempt is not one of its segments.
    out = ts.run(["-2", "-r", cap, "-Y", "hs.attempt && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=l",
                  "-e", "hs.initiator", "-e", "hs.responder", "-e", "hs.attempt", "-e", "hs.stream",
                  "-e", "hs.conn_state", "-e", "hs.history", "-e", "hs.conn.last",
                  "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.len", "-e", "ipv6.plen"])
    conns = {}
    for line in out.splitlines():
        ini, resp, attempt, stream, state, history, last, src4, src6, sport, len4, plen6 = line.split("\t")
        k = key(hstest.endpoint(ini), hstest.endpoint(resp), attempt)
        c = conns.setdefault(k, {"stream": stream, "pkts": defaultdict(int), "bytes": defaultdict(int), "last": 0})
        sender = (src6 or src4, sport)
        c["pkts"][sender] += 1
        c["bytes"][sender] += int(plen6) + 40 if plen6 else int(len4)
        c.update(state=state, history=history)
        c["last"] += last in ("1", "True")
    return conns


def consistency(ts, capture):
    failures = []
    cap = ts.capture(capture)
    name = os.path.relpath(capture, CAPS)
    log = conn_log(ts, cap)
    want = expected_from_packets(ts, cap)
    if len(log.rows) != len(want) or any(c["last"] != 1 for c in want.values()):
        failures.append(f"{name}: {len(log.rows)} rows for {len(want)} attempts")
    starts = [int(r["ts"].replace(".", "")) for r in log.rows]
    if starts != sorted(starts):
        failures.append(f"{name}: rows not in time order")
    if len({r["uid"] for r in log.rows}) != len(log.rows):
        failures.append(f"{name}: uids not unique")
    for r in log.rows:
        orig, resp = (r["id.orig_h"], r["id.orig_p"]), (r["id.resp_h"], r["id.resp_p"])
        c = want.get(key(orig, resp, r["hs.attempt"]))
        where = f"{name} {orig} {resp} attempt {r['hs.attempt']}"
        if not c:
            failures.append(f"{where}: no such attempt in the packets")
            continue
        got = (r["conn_state"], r["history"], r["hs.stream"], r["orig_pkts"], r["orig_ip_bytes"],
               r["resp_pkts"], r["resp_ip_bytes"])
        exp = (c["state"], c["history"] or "-", c["stream"], str(c["pkts"][orig]), str(c["bytes"][orig]),
               str(c["pkts"][resp]), str(c["bytes"][resp]))
        if got != exp:
            failures.append(f"{where}: state, history, stream, packets and IP bytes {got}, packets say {exp}")
    print(f"{name}: {len(log.rows)} rows")
    return failures


# ---- behaviour --------------------------------------------------------------------

def behaviour(ts):
    failures = []
    seed = ts.capture(os.path.join(CAPS, "seed-handshake.pcap"))
    reuse = ts.capture(os.path.join(CAPS, "synthetic", "port-reuse.pcap"))
    log = conn_log(ts, seed)
    # Zeek's own header, in Zeek's order, then the plugin's columns.
    if log.meta[:5] != ZEEK_META or not WHEN.fullmatch(log.meta[5].split("\t")[-1]) \
            or not log.meta[5].startswith("#open\t") or not log.meta[-1].startswith("#close\t"):
        failures.append(f"header lines {log.meta}")
    if log.fields[:21] != ZEEK_FIELDS or log.types[:21] != ZEEK_TYPES:
        failures.append(f"Zeek's columns: {log.fields[:21]} {log.types[:21]}")
    if not all(f.startswith("hs.") for f in log.fields[21:]) or len(log.fields) != len(log.types):
        failures.append(f"extra columns {log.fields[21:]}")
    if len(log.rows) != 1:
        failures.append(f"seed: {len(log.rows)} rows, expected 1")
    # Reproducible: the same uids on every run.
    if [r["uid"] for r in conn_log(ts, seed).rows] != [r["uid"] for r in log.rows]:
        failures.append("uid differs between two runs")
    if not re.fullmatch(r"C[0-9A-Za-z]{10,20}", log.rows[0]["uid"]):
        failures.append(f"uid {log.rows[0]['uid']} is not shaped like Zeek's")
    # A filter selects attempts; their values still come from all their packets.
    syn_only = conn_log(ts, seed, arg="hs,conn,hs.step==1")
    if syn_only.lines != log.lines:
        failures.append(f"-z hs,conn,hs.step==1 on the seed: {syn_only.lines}, expected {log.lines}")
    full = conn_log(ts, reuse)
    second = conn_log(ts, reuse, arg="hs,conn,hs.attempt==2")
    if len(full.rows) != 2 or second.lines != [full.lines[1]]:
        failures.append(f"-z hs,conn,hs.attempt==2: {second.lines}, expected {full.lines[1:]}")
    if conn_log(ts, seed, arg="hs,conn,tcp.port==1").lines:
        failures.append("a filter matching nothing still printed rows")
    # Bad arguments stop tshark with a reason.
    for arg, why in (("hs,conn,hs.step==", "invalid"), ("hs,connx", "expected -z hs,conn")):
        ts.run(["-q", "-r", seed, "-z", arg], check=False, allow_stderr="hs,conn")
        if why not in ts.stderr:
            failures.append(f"-z {arg}: no '{why}' in stderr: {ts.stderr!r}")
    out = ts.run(["-q", "-r", seed, "-z", "hs,conn,hs.step==", "-z", "hs,conn"], check=False,
                 allow_stderr="hs,conn")
    if "\t57245\t" in out:
        failures.append("tshark went on after a bad filter")
    # Several reports in one run: each complete.
    out = ts.run(["-q", "-r", reuse, "-z", "hs,conn", "-z", "hs,tree", "-z", "hs,conn,hs.attempt==1"])
    if out.count("#path\tconn") != 2 or "Connections by state" not in out:
        failures.append("-z hs,conn twice with -z hs,tree: not three complete reports")
    return failures


def main():
    update = "--update" in sys.argv or os.environ.get("HS_UPDATE_GOLDEN") == "1"
    args = [a for a in sys.argv[1:] if a != "--update"]
    ts = hstest.Tshark(args[0])
    mode = args[1]
    if mode == "golden":
        failures = golden(ts, args[2], args[3], update)
    elif mode == "consistency":
        failures = [f for cap in args[2:] for f in consistency(ts, cap)]
    else:
        failures = behaviour(ts)
    return hstest.report(f"-z hs,conn {mode}", failures)


if __name__ == "__main__":
    sys.exit(main())
