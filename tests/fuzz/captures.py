# SPDX-License-Identifier: GPL-2.0-or-later
"""Finding the captures to fuzz: files whose first bytes are a pcap or
pcapng magic number (so .tsv, .yaml, .txt and README files next to them are
skipped whatever their names), each content once."""
import hashlib
import os

MAGICS = (
    b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",   # pcap, microseconds
    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",   # pcap, nanoseconds
    b"\x0a\x0d\x0d\x0a",                        # pcapng
    b"\x1f\x8b",                                # gzip (tshark reads it)
)


def is_capture(path):
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return any(head.startswith(m) for m in MAGICS)


def find_captures(roots):
    """Captures under the given files or folders, sorted, duplicates dropped."""
    seen, found = set(), []
    for root in roots:
        if os.path.isfile(root):
            paths = [root]
        elif os.path.isdir(root):
            paths = []
            for d, dirs, files in os.walk(root):
                dirs.sort()
                paths += [os.path.join(d, f) for f in sorted(files)]
        else:
            continue
        for p in paths:
            if not is_capture(p):
                continue
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            found.append(p)
    return found
