#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hs.accept against the Linux kernel, case by case (SPEC section 8).

captures/kernel/ (tests/recorder/kernel_oracle.py) holds one real Linux
socket per case, driven into a state and sent one SYN, FIN or RST; its
cases.tsv says what the kernel did with it (accepted, challenge, ignored),
observed from the socket's state before and after and from the kernel's
answer.  The plugin's hs.accept on that probe must be the kernel's verdict,
in a single pass, with -2 (hs.two_pass) and with hs.negotiation on (the
option values read).

Timestamp values (PAWS) are read with the options, so only with
hs.negotiation.  Where the capture cannot show what Linux needs, the plugin
says what it assumes (README, "Where the plugin and Linux differ"); those cases are
listed in KNOWN with the exact value the plugin gives and why, so a change
of it fails here as any other.  "" is no verdict: the capture cannot tell.

usage: check_kernel_cases.py BUILD_DIR
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hstest  # noqa: E402

FOLDER = os.path.join(hstest.SOURCE_DIR, "captures", "kernel")
MODES = {"one pass": [], "-2": ["-2"], "hs.negotiation": ["-o", "hs.negotiation:TRUE"]}

# case: ({mode: what the plugin says, "*": every mode}, why it differs from the kernel)
# Timestamp values are read with the options (hs.negotiation): only there
# is PAWS decided.
NO_OPTIONS = ("one pass", "-2")
KNOWN = {
    "est-paws-fin": ({m: "accepted" for m in NO_OPTIONS},
                     "PAWS: the FIN's timestamp is older than the last; timestamp values not read"),
    "tw-syn-above-oldts": ({m: "accepted" for m in NO_OPTIONS},
                           "PAWS in TIME_WAIT: the SYN's timestamp is older; timestamp values not read"),
    "tw-syn-below": ({m: "" for m in NO_OPTIONS},
                     "below RCV.NXT, a SYN opens a new connection only with a newer timestamp: timestamp "
                     "values not read, so no verdict"),
    "tw-syn-below-nots": ({"one pass": "", "-2": ""},
                          "whether the SYN carries a timestamp is known only with its options read "
                          "(hs.negotiation), where the verdict is the kernel's"),
    "synrecv-ack-bad-ack": ({"*": ""},
                            "a pure ACK: hs.accept covers SYN, FIN and RST (its acknowledgment is checked as "
                            "step 3's: hs.valid false, hs.ack.bad)"),
    "fw2-full-rst-in-window": ({"*": "accepted"},
                               "FIN_WAIT2 is taken as orphaned (the usual case after close()); this socket "
                               "had only shut down its sending side"),
}


def cases():
    with open(os.path.join(FOLDER, "cases.tsv")) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    ts = hstest.Tshark(sys.argv[1])
    rows = cases()
    failures, agree = [], {m: 0 for m in MODES}
    for row in rows:
        name, frame, kernel = row["case"], row["probe_frame"], row["verdict"]
        cap = ts.capture(os.path.join(FOLDER, name + ".pcap"))
        known, why = KNOWN.get(name, ({}, None))
        for mode, extra in MODES.items():
            out = ts.run(extra + ["-r", cap, "-Y", f"frame.number == {frame}", "-T", "fields",
                                  "-e", "hs.accept", "-e", "hs.label"])
            accept, label = (out.rstrip("\n").split("\t") + [""])[:2]
            want = known.get(mode, known.get("*", kernel))
            note = f" (known: {why})" if want != kernel else ""
            print(f"{name:26s} {mode:14s} kernel {kernel:9s} plugin {accept or '-':9s} {label}{note}")
            if accept != want:
                failures.append(f"{name} ({mode}): the kernel's verdict is {kernel}, "
                                f"{'the plugin should say ' + repr(want) + ' ' if want != kernel else ''}"
                                f"hs.accept says {accept!r}")
            elif accept == kernel:
                agree[mode] += 1
    if len(rows) < 14:
        failures.append(f"only {len(rows)} kernel cases in {FOLDER}")
    for mode, n in agree.items():
        print(f"{mode}: hs.accept equals the kernel's verdict on {n} of {len(rows)} cases")
    return hstest.report("kernel cases", failures)


if __name__ == "__main__":
    sys.exit(main())
