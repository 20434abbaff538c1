#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Find text on a screenshot with tesseract, for tests/gui/screenshots.sh.

    ocr_find.py IMAGE "Flow Graph" [--region X,Y,W,H]
        -> prints "CX CY LEFT TOP RIGHT BOTTOM" (centre, then box of the text)
    ocr_find.py IMAGE --text [--large]                     -> prints all the text read

Qt draws its widgets itself, so xdotool cannot find a menu item or a combo
box by name; reading the screen finds them whatever the font, theme or menu
order.  Words are matched case-sensitively, as a run of consecutive words
on one line, the last one as a prefix ("Flow typ" matches "Flow type:");
the image is read as it is and twice as large (--large: three times too),
in two page segmentation modes, since tesseract reads small UI fonts
unevenly.  Exit status 1 when the text is not found.
"""
import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile


def words(image, scale, psm, prep):
    src = image
    tmp = None
    if scale != 1 or prep:
        fd, tmp = tempfile.mkstemp(suffix=".png")
        os.close(fd)
        subprocess.run(["convert", image, "-resize", f"{int(scale * 100)}%"] + list(prep) + [tmp],
                       check=True)
        src = tmp
    try:
        out = subprocess.run(["tesseract", src, "-", "--psm", str(psm), "tsv"], check=True,
                             capture_output=True, text=True).stdout
    finally:
        if tmp:
            os.unlink(tmp)
    rows = csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE)
    result = []
    for r in rows:
        text = (r.get("text") or "").strip()
        if not text:
            continue
        result.append({
            "text": text,
            "line": (r["block_num"], r["par_num"], r["line_num"]),
            "x": int(r["left"]) / scale, "y": int(r["top"]) / scale,
            "w": int(r["width"]) / scale, "h": int(r["height"]) / scale,
        })
    return result


def norm(word):
    """A word without the brackets and quotes around it ("[Step" is "Step")."""
    return word.strip("[](){}'\"|‘’“”")


# (scale, tesseract --psm, convert options): sparse text, then a page; black
# and white last, which reads the text on selected (highlighted) rows too.
# --large adds black and white three times as large (slow): the packet
# list's small text on grey rows (TCP SYN/FIN colouring), where ")" is
# otherwise read as "}".
BW = ("-colorspace", "Gray", "-threshold", "55%")
MODES = [(1, 11, ()), (2, 11, ()), (2, 3, ()), (1, 3, ()), (2, 11, BW)]
LARGE = (3, 6, BW)


def find(ws, wanted, region):
    for i in range(len(ws) - len(wanted) + 1):
        run = ws[i:i + len(wanted)]
        if any(run[k]["line"] != run[0]["line"] for k in range(len(run))):
            continue
        got = [norm(w["text"]) for w in run]
        if all(got[k].startswith(norm(wanted[k])) if k == len(wanted) - 1 else got[k] == norm(wanted[k])
               for k in range(len(wanted))):
            x0 = run[0]["x"]
            y0 = min(w["y"] for w in run)
            x1 = run[-1]["x"] + run[-1]["w"]
            y1 = max(w["y"] + w["h"] for w in run)
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            if region:
                rx, ry, rw, rh = region
                if not (rx <= cx <= rx + rw and ry <= cy <= ry + rh):
                    continue
            return int(cx), int(cy), int(x0), int(y0), int(x1), int(y1)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("phrase", nargs="?")
    ap.add_argument("--region", help="X,Y,W,H: only a match centred in this rectangle")
    ap.add_argument("--text", action="store_true", help="print every word read")
    ap.add_argument("--large", action="store_true", help="also read it three times as large")
    a = ap.parse_args()
    modes = MODES + [LARGE] if a.large else MODES
    region = tuple(int(v) for v in a.region.split(",")) if a.region else None
    if a.text:
        for scale, psm, prep in modes:
            ws = words(a.image, scale, psm, prep)
            lines = {}
            for w in ws:
                lines.setdefault(w["line"], []).append(w["text"])
            print("\n".join(" ".join(v) for v in lines.values()))
        return 0
    if not a.phrase:
        ap.error("a phrase or --text")
    wanted = a.phrase.split()
    for scale, psm, prep in modes:
        hit = find(words(a.image, scale, psm, prep), wanted, region)
        if hit:
            print(*hit)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
