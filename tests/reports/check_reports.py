#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Report tests: the plugin's stats_tree (`-z hs,tree`) and Flow Graph
(`-z flow,hs,standard`) as the real tshark prints them.

For one capture:
  * the tree (tshark -2) must equal EXPECTED_DIR/<name>.tree.txt (rows,
    counts, and the average/min/max of averaged rows; not the
    rate/percent/burst columns, which change between versions);
  * single-pass tshark must print the same tree (connection rows are moved,
    not just ticked, so they end up final in one pass too);
  * the tree must agree with the per-packet fields of `tshark -2 -T fields`:
    steps with hs.label, anomalies with hs.anomaly, connection states with
    hs.conn_state and closers with hs.close.initiator per (stream, attempt);
  * Outcomes and Close kinds must count the attempts by hs.outcome and
    hs.close.kind, and the lists "Responders/Initiators with failed
    attempts" must be what those fields and hs.initiator, hs.responder
    give, ranked and cut at hs.report_top (20, or a --pref), row for row;
  * with --flow: the Flow Graph must equal EXPECTED_DIR/<name>.flow.txt
    (but for the tcp.stream numbers, which differ between versions: see
    flow_neutral()), be the same in one and two passes, and have one arrow
    per labelled packet, with its label, stream and attempt; on the seed
    capture, the seven steps must be on the right arrows.

usage: check_reports.py BUILD_DIR CAPTURE EXPECTED_BASE [--flow] [--update] [--pref KEY:VALUE]...
       check_reports.py BUILD_DIR --consistency [--flow] CAPTURE...
EXPECTED_BASE is the expected files' path without ".tree.txt"/".flow.txt".
--update (or HS_UPDATE_REPORTS=1, or HS_UPDATE_GOLDEN=1) rewrites them
from this tshark instead of comparing.  --pref passes -o KEY:VALUE to
every tshark run.
"""
import collections
import ipaddress
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import hstest  # noqa: E402

SEED_STEPS = [  # label, sent by the left node (the client 166.111.8.28)?
    ("SYN(x)", True), ("SYN+ACK(y,x+1)", False), ("ACK(y+1)", True),
    ("FIN(X)", False), ("ACK(X+1)", True), ("FIN(Y)", True), ("ACK(Y+1)", False),
]
SECTIONS = {
    "state": "Connections by state (Zeek conn_state)",
    "closer": "Closed first by",
    "steps": "Steps by label (packets)",
    "anomalies": "Anomalies by kind (packets)",
    "outcome": "Outcomes (attempts)",
    "close": "Close kinds (established connections)",
}
RESPONDERS = "Responders with failed attempts"
INITIATORS = "Initiators with failed attempts"
NOT_FAILED = ("established", "no handshake seen")


class Failure(Exception):
    pass


def tree_rows(out):
    """The rows of a plain stats_tree print: ["<indent><name>\t<count>", ...],
    with "\tavg <a> min <m> max <M>" after the count on rows that average a
    value (the handshake RTT)."""
    lines = out.splitlines()
    try:
        head = next(i for i, l in enumerate(lines) if l.startswith("Topic / Item"))
    except StopIteration:
        raise Failure(f"no stats_tree in tshark output:\n{out}")
    col = lines[head].index("Count")
    avg, rate = lines[head].index("Average"), lines[head].index("Rate (ms)")
    rows = []
    for line in lines[head + 2:]:
        if line.startswith("---") or line.startswith("==="):
            break
        if not line.strip():
            continue
        row = f"{line[:col].rstrip()}\t{line[col:avg].split()[0]}"
        values = line[avg:rate].split()
        if values:
            row += "\tavg {} min {} max {}".format(*values)
        rows.append(row)
    return rows


def sections(rows):
    """{top-level name: (count, {child: count})} from tree_rows()."""
    out = {}
    top = None
    for r in rows:
        name, count = r.split("\t")[:2]
        if not name.startswith(" "):
            top = name
            out[top] = (int(count), {})
        else:
            out[top][1][name.strip()] = int(count)
    return out


def flow_text(out):
    """The Flow Graph print without blank lines (trailing spaces dropped)."""
    return [l.rstrip() for l in out.splitlines() if l.strip()]


STREAM_RE = re.compile(r" \(stream (\d+)(?: attempt (\d+))?\)$")


def flow_neutral(lines):
    """A flow print without what depends on Wireshark's tcp.stream numbering,
    which differs between versions when a 4-tuple is reused (4.0 keeps one
    stream, 4.2+ starts a new one after FIN or RST): the Conv. column, the
    lines between conversations and the "(stream N attempt M)" of comments.
    check_flow_fields() checks those against hs.stream and hs.attempt."""
    out = []
    for line in lines:
        if re.fullmatch(r"-+", line):
            continue
        parts = line.split("|", 2)        # [conv or ""], time, the rest
        if len(parts) == 3:
            line = f"{parts[1].strip()} |{parts[2]}"
        out.append(STREAM_RE.sub("", line))
    return out


def flow_arrows(lines):
    """[(label, left_to_right, comment)] from a flow print."""
    arrows = []
    for i, line in enumerate(lines):
        m = re.search(r"-{3,}>|<-{3,}", line)
        if not m or i == 0:
            continue
        text = lines[i - 1]
        bars = [k for k, ch in enumerate(text) if ch == "|"]
        # label line: "|time |  label ...|...|comment" or "conv |time |..."
        start = bars[1]
        last = text.rindex("|")
        label = " ".join(text[start + 1:last].replace("|", " ").split())
        arrows.append((label, m.group(0).endswith(">"), text[last + 1:]))
    return arrows


def fields_table(ts, cap, opts=()):
    fields = ["frame.number", "hs.stream", "hs.attempt", "hs.label", "hs.anomaly",
              "hs.conn_state", "hs.close.initiator", "hs.outcome", "hs.close.kind",
              "hs.initiator", "hs.responder"]
    rows = ts.fields(cap, fields, two_pass=True, extra=list(opts)).rstrip("\n").split("\n")
    header = rows[0].split("\t")
    return [dict(zip(header, r.split("\t"))) for r in rows[1:]]


def attempts(table):
    """Each attempt's last segment's row, by (stream, attempt).  An ICMP
    error linked to an attempt is not one of its segments (and has no
    endpoints): its row is left out."""
    return {(r["hs.stream"], r["hs.attempt"]): r for r in table
            if r["hs.stream"] and not r["hs.label"].startswith("ICMP(")}


def expect_equal(what, expected, actual):
    if expected != actual:
        hstest.diff(expected, actual, what)
        raise Failure(what)


def check_fields(tree, table, name):
    """The tree against the per-packet fields of the same capture."""
    sec = sections(tree)
    labels = collections.Counter(r["hs.label"] for r in table if r["hs.label"])
    anomalies = collections.Counter("hs." + a for r in table if r["hs.anomaly"]
                                    for a in r["hs.anomaly"].split(","))
    conns = attempts(table)
    states = collections.Counter(r["hs.conn_state"] for r in conns.values())
    closers = collections.Counter(r["hs.close.initiator"] for r in conns.values()
                                  if r["hs.close.initiator"])
    outcomes = collections.Counter(r["hs.outcome"] for r in conns.values())
    closes = collections.Counter(r["hs.close.kind"] for r in conns.values() if r["hs.close.kind"])

    def nonzero(key):
        total, rows = sec.get(SECTIONS[key], (None, {}))
        return total, {k: v for k, v in rows.items() if v}

    for key, want in (("steps", labels), ("anomalies", anomalies), ("state", states),
                      ("closer", closers), ("outcome", outcomes), ("close", closes)):
        total, rows = nonzero(key)
        got = [f"{k}\t{v}" for k, v in sorted(rows.items())] + [f"total\t{total}"]
        exp = [f"{k}\t{v}" for k, v in sorted(want.items())] + [f"total\t{sum(want.values())}"]
        expect_equal(f"{name}: tree '{SECTIONS[key]}' vs tshark -2 -T fields", exp, got)


def endpoint_key(text):
    """Sort key of "a.b.c.d:port", "[v6]:port" or an address alone: the
    address's family and bytes, then the port (the tree's tie order)."""
    port = 0
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    elif text.count(":") == 1:
        addr, _, port = text.partition(":")
    else:
        addr = text
    a = ipaddress.ip_address(addr)
    return (a.version, a.packed, int(port or 0))


def address_of(endpoint):
    """The address of "a.b.c.d:port" or "[v6]:port"."""
    if endpoint.startswith("["):
        return endpoint[1:endpoint.index("]")]
    return endpoint.rpartition(":")[0]


def section_rows(tree, title):
    """The rows of a top-level node and everything under it."""
    out, inside = [], False
    for r in tree:
        if not r.startswith(" "):
            inside = r.split("\t")[0] == title
        if inside:
            out.append(r)
    return out


def expected_lists(table, top):
    """The two failure lists as the tree must print them, from the fields."""
    conns = attempts(table)
    resp, init = {}, {}
    for r in conns.values():
        if r["hs.outcome"] in NOT_FAILED:
            continue
        kinds = resp.setdefault(r["hs.responder"], collections.Counter())
        kinds[r["hs.outcome"]] += 1
        i = init.setdefault(address_of(r["hs.initiator"]), {"failed": 0, "pairs": set()})
        i["failed"] += 1
        i["pairs"].add(r["hs.responder"])

    def ranked(n, rank, name):
        width = len(str(n))
        return f" {rank:0{width}d} {name}"

    def more(order, shown, what, failed):
        if len(order) <= len(shown):
            return []
        rest = sum(failed(x) for x in order[len(shown):])
        return [f" more: {len(order) - len(shown)} {what} not listed (-o hs.report_top:0 lists all)\t{rest}"]

    # Counts are failed attempts, but the initiators' pairs, addresses, ports.
    all_failed = sum(sum(k.values()) for k in resp.values())
    rows = [f"{RESPONDERS}\t{all_failed}"]
    order = sorted(resp, key=lambda e: (-sum(resp[e].values()), endpoint_key(e)))
    shown = order[:top] if top else order
    for k, e in enumerate(shown, 1):
        rows.append(f"{ranked(len(shown), k, e)}\t{sum(resp[e].values())}")
        rows += [f"  {kind}\t{n}" for kind, n in sorted(resp[e].items())]
    rows += more(order, shown, "responders", lambda e: sum(resp[e].values()))
    lists = {RESPONDERS: rows}

    rows = [f"{INITIATORS}\t{all_failed}"]
    order = sorted(init, key=lambda a: (-len(init[a]["pairs"]), -init[a]["failed"], endpoint_key(a)))
    shown = order[:top] if top else order
    for k, a in enumerate(shown, 1):
        pairs = init[a]["pairs"]
        rows.append(f"{ranked(len(shown), k, a)}\t{init[a]['failed']}")
        rows.append(f"  responder address:port pairs\t{len(pairs)}")
        rows.append(f"  responder addresses\t{len({address_of(p) for p in pairs})}")
        rows.append(f"  responder ports\t{len({p.rpartition(':')[2] for p in pairs})}")
    rows += more(order, shown, "initiators", lambda a: init[a]["failed"])
    lists[INITIATORS] = rows
    return lists


def check_lists(tree, table, name, top):
    for title, exp in expected_lists(table, top).items():
        expect_equal(f"{name}: tree '{title}' vs hs.outcome, hs.initiator, hs.responder (top {top or 'all'})",
                     exp, section_rows(tree, title))


def check_flow_fields(arrows, table, name):
    """One arrow per labelled packet, in frame order, with its label and
    the packet's stream and attempt."""
    rows = [r for r in table if r["hs.label"]]
    if len(arrows) != len(rows):
        raise Failure(f"{name}: {len(arrows)} arrows in the flow, {len(rows)} labelled packets")
    exp, got = [], []
    for (label, _, comment), r in zip(arrows, rows):
        m = STREAM_RE.search(comment)
        retrans = r["hs.label"].endswith(" (retransmission)")
        exp.append(f'{r["frame.number"]}: {r["hs.label"].replace(" (retransmission)", "")}'
                   f'{" (retransmission)" if retrans else ""} stream {r["hs.stream"]}'
                   f'{" attempt " + r["hs.attempt"] if r["hs.attempt"] != "1" else ""}')
        got.append(f'{r["frame.number"]}: {label}'
                   f'{" (retransmission)" if "(retransmission)" in comment else ""}'
                   f' stream {m.group(1) if m else "?"}{" attempt " + m.group(2) if m and m.group(2) else ""}')
    expect_equal(f"{name}: flow arrows vs hs.label, hs.stream, hs.attempt", exp, got)


def check_seed_flow(flow):
    arrows = flow_arrows(flow)
    if "166.111.8.28" not in flow[0] or "192.30.252.153" not in flow[1]:
        raise Failure(f"seed flow: unexpected nodes:\n{flow[0]}\n{flow[1]}")
    got = [(label, ltr) for label, ltr, _ in arrows]
    expect_equal("seed flow: the seven steps on their arrows (True: client to server)",
                 [f"{l} {d}" for l, d in SEED_STEPS], [f"{l} {d}" for l, d in got])


def run_one(ts, capture, flow, expected_base=None, update=False, prefs=()):
    name = os.path.basename(capture)
    cap = ts.capture(capture)
    opts = [a for p in prefs for a in ("-o", p)]
    two = tree_rows(ts.run(opts + ["-2", "-q", "-z", "hs,tree", "-r", cap]))
    one = tree_rows(ts.run(opts + ["-q", "-z", "hs,tree", "-r", cap]))
    outputs = {"tree": two}
    expect_equal(f"{name}: single-pass tree vs two-pass tree", two, one)
    table = fields_table(ts, cap, opts)
    check_fields(two, table, name)
    top = next((int(p.split(":", 1)[1]) for p in prefs if p.startswith("hs.report_top:")), 20)
    check_lists(two, table, name, top)
    if flow:
        f1 = flow_text(ts.run(opts + ["-q", "-z", "flow,hs,standard", "-r", cap]))
        f2 = flow_text(ts.run(opts + ["-2", "-q", "-z", "flow,hs,standard", "-r", cap]))
        expect_equal(f"{name}: single-pass flow vs two-pass flow", f1, f2)
        check_flow_fields(flow_arrows(f1), table, name)
        if name == "seed-handshake.pcap":
            check_seed_flow(f1)
        outputs["flow"] = f1
    if expected_base is None:
        return
    for kind, lines in outputs.items():
        path = f"{expected_base}.{kind}.txt"
        if update:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            print(f"updated {path}")
            continue
        if not os.path.exists(path):
            raise Failure(f"{path} missing (run with --update to create it)")
        with open(path) as f:
            expected = f.read().rstrip("\n").split("\n")
        if kind == "flow":
            expected, lines = flow_neutral(expected), flow_neutral(lines)
        expect_equal(f"{name}: tshark -z {'hs,tree' if kind == 'tree' else 'flow,hs,standard'}"
                     f" vs {path}", expected, lines)


def main():
    argv = sys.argv[1:]
    flow = "--flow" in argv
    update = ("--update" in argv or os.environ.get("HS_UPDATE_REPORTS") == "1"
              or os.environ.get("HS_UPDATE_GOLDEN") == "1")
    consistency = "--consistency" in argv
    prefs = [argv[i + 1] for i, a in enumerate(argv) if a == "--pref"]
    args = [a for i, a in enumerate(argv) if a not in ("--flow", "--update", "--consistency", "--pref")
            and (i == 0 or argv[i - 1] != "--pref")]
    ts = hstest.Tshark(args[0])
    try:
        if consistency:
            for capture in args[1:]:
                run_one(ts, capture, flow)
                print(f"{os.path.basename(capture)}: ok")
        else:
            capture, expected_base = args[1:3]
            run_one(ts, capture, flow, expected_base, update, prefs)
            print(f"{os.path.basename(capture)}: ok")
    except Failure as e:
        print(f"FAILED: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
