# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests for tcpdump2pcap.py (run: python3 -m unittest discover tests/tools)."""

import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(HERE, "tcpdump2pcap.py")
CAPTURES = os.path.join(ROOT, "captures")

sys.path.insert(0, HERE)
import tcpdump2pcap  # noqa: E402


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args],
                          capture_output=True, text=True, check=False)


def read_records(data):
    """Yield (secs, usecs, frame) for each record of a pcap file."""
    pos = 24
    while pos < len(data):
        secs, usecs, incl, orig = struct.unpack_from("<IIII", data, pos)
        assert incl == orig
        yield secs, usecs, data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


class TestTcpdump2pcap(unittest.TestCase):

    def convert_text(self, text):
        return tcpdump2pcap.convert(text.splitlines(), "t.txt")

    def test_seed_rebuilt_byte_identical(self):
        src = os.path.join(CAPTURES, "seed-handshake.txt")
        ref = os.path.join(CAPTURES, "seed-handshake.pcap")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "seed.pcap")
            res = run(src, out)
            self.assertEqual(res.returncode, 0, res.stderr)
            with open(out, "rb") as f, open(ref, "rb") as g:
                self.assertEqual(f.read(), g.read())

    def test_synthetic_rebuilt_byte_identical(self):
        folder = os.path.join(CAPTURES, "synthetic")
        names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            with self.subTest(name=name):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    data = tcpdump2pcap.convert(f.read().splitlines(), name)
                with open(os.path.join(folder, name[:-4] + ".pcap"),
                          "rb") as f:
                    self.assertEqual(data, f.read())

    def test_seed_fields(self):
        with open(os.path.join(CAPTURES, "seed-handshake.pcap"), "rb") as f:
            data = f.read()
        self.assertEqual(data[:4], b"\xd4\xc3\xb2\xa1")
        got = []
        for _, _, frame in read_records(data):
            tcp = frame[14 + 20:]
            _, _, seq, ack, _, flags = struct.unpack_from("!HHIIBB", tcp)
            got.append((flags, seq, ack, len(frame) - 54))
        self.assertEqual(got, [
            (0x02, 1337949936, 0, 0),
            (0x12, 3859825850, 1337949937, 0),
            (0x10, 1337949937, 3859825851, 0),
            (0x18, 1337949937, 3859825851, 361),
            (0x18, 3859825851, 1337950298, 223),
            (0x10, 1337950298, 3859826074, 0),
            (0x11, 3859826074, 1337950298, 0),
            (0x10, 1337950298, 3859826075, 0),
            (0x11, 1337950298, 3859826075, 0),
            (0x10, 3859826075, 1337950299, 0),
        ])

    def test_malformed_line_names_line_number(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "bad.txt")
            out = os.path.join(tmp, "bad.pcap")
            with open(src, "w", encoding="utf-8") as f:
                f.write("# SPDX-License-Identifier: GPL-2.0-or-later\n"
                        "\n"
                        "10:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: "
                        "Flags [S], seq 1, win 512, length 0\n"
                        "10:00:00.000100 IP 10.0.0.2.80 > 10.0.0.1.1000: "
                        "Q 5:5(0) ack 2 win 512\n")
            res = run(src, out)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("bad.txt:4:", res.stderr)
            self.assertFalse(os.path.exists(out))

    def test_checksums(self):
        data = self.convert_text(
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: S 7:7(0) win 512\n"
            "10:00:01 IP6 2001:db8::1.1000 > 2001:db8::2.80: "
            "Flags [P.], seq 1:4, ack 9, length 3\n"
            "10:00:02 IP 10.0.0.2 > 10.0.0.1: ICMP unreachable port, "
            "quoting 10.0.0.1.1000 > 10.0.0.2.80: S 7:7(0) win 512\n"
            "10:00:03 IP6 2001:db8::2 > 2001:db8::1: ICMP6 unreachable "
            "port, quoting 2001:db8::1.1000 > 2001:db8::2.80: S 7:7(0)\n")
        frames = [f for _, _, f in read_records(data)]
        self.assertEqual(len(frames), 4)
        csum = tcpdump2pcap.checksum
        v4 = frames[0][14:]
        self.assertEqual(csum(v4[:20]), 0)
        self.assertEqual(csum(v4[12:20] + struct.pack("!HH", 6, 20)
                              + v4[20:]), 0)
        v6 = frames[1][14:]
        self.assertEqual(csum(v6[8:40] + struct.pack("!IxxxB", 23, 6)
                              + v6[40:]), 0)
        icmp = frames[2][14:]
        self.assertEqual(csum(icmp[:20]), 0)
        self.assertEqual(icmp[20:22], b"\x03\x03")
        self.assertEqual(len(icmp), 20 + 8 + 20 + 8)
        self.assertEqual(csum(icmp[20:]), 0)
        icmp6 = frames[3][14:]
        self.assertEqual(icmp6[40:42], b"\x01\x04")
        self.assertEqual(len(icmp6), 40 + 8 + 40 + 20)
        self.assertEqual(csum(icmp6[8:40] + struct.pack("!IxxxB", 68, 58)
                              + icmp6[40:]), 0)

    def test_next_seq_and_midnight(self):
        data = self.convert_text(
            "# date: 2020-02-29\n"
            "23:59:59.9 IP 10.0.0.1.1000 > 10.0.0.2.80: S 10:10(0)\n"
            "00:00:00.1 IP 10.0.0.1.1000 > 10.0.0.2.80: FP 11:14(3) ack 1\n"
            "00:00:00.2 IP 10.0.0.1.1000 > 10.0.0.2.80: . ack 2\n")
        recs = list(read_records(data))
        self.assertEqual(recs[0][:2], (1583020799, 900000))
        self.assertEqual(recs[1][:2], (1583020800, 100000))
        seq = struct.unpack_from("!I", recs[2][2], 14 + 20 + 4)[0]
        self.assertEqual(seq, 15)

    def test_wraparound_length(self):
        data = self.convert_text(
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: "
            "Flags [.], seq 4294967290:10, ack 1, length 16\n")
        frame = next(read_records(data))[2]
        self.assertEqual(len(frame), 54 + 16)

    def test_errors(self):
        bad = [
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: S 1:2(0)",
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: . ack 1",
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], seq 1, "
            "length 0",
            "10:00:00 IP 10.0.0.1.1000 > 2001:db8::1.80: S 1:1(0)",
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 1, "
            "win 65536, length 0",
            "10:00:00 IP 10.0.0.9 > 10.0.0.1: ICMP unreachable port, "
            "quoting 10.0.0.9 > 10.0.0.1: ICMP unreachable port, quoting "
            "10.0.0.1.1 > 10.0.0.2.2: S 1:1(0)",
            "not a packet",
        ]
        for line in bad:
            with self.subTest(line=line):
                with self.assertRaisesRegex(tcpdump2pcap.ParseError,
                                            r"^t\.txt:2: "):
                    self.convert_text("# comment\n" + line)

    def test_ip_header_fields(self):
        data = self.convert_text(
            "10:00:00 IP 10.0.0.2.80 > 10.0.0.1.1000: S 7:7(0)\n"
            "10:00:01 IP (ttl 0, id 40000) 10.0.0.2.80 > 10.0.0.1.1000: "
            "R 8:8(0)\n"
            "10:00:02 IP (ttl 255) 10.0.0.2.80 > 10.0.0.1.1000: R 8:8(0)\n"
            "10:00:03 IP6 (hlim 3, hbh, dstopt) 2001:db8::2.80 > "
            "2001:db8::1.1000: Flags [R], seq 5, length 0\n"
            "10:00:04 IP6 (dstopt) 2001:db8::2.80 > 2001:db8::1.1000: "
            "Flags [P.], seq 5:8, ack 1, length 3\n")
        frames = [f[14:] for _, _, f in read_records(data)]
        csum = tcpdump2pcap.checksum
        # TTL and ID; an explicit ID does not advance the counter
        got = [(f[8], struct.unpack_from("!H", f, 4)[0]) for f in frames[:3]]
        self.assertEqual(got, [(64, 1), (0, 40000), (255, 2)])
        for f in frames[:3]:
            self.assertEqual(csum(f[:20]), 0)
        # IPv6: hop limit, Hop-by-Hop (0) then Destination Options (60)
        v6 = frames[3]
        self.assertEqual((v6[6], v6[7]), (0, 3))
        self.assertEqual(struct.unpack_from("!H", v6, 4)[0], 16 + 20)
        self.assertEqual(v6[40:48], bytes([60, 0, 1, 4, 0, 0, 0, 0]))
        self.assertEqual(v6[48:56], bytes([6, 0, 1, 4, 0, 0, 0, 0]))
        self.assertEqual(csum(v6[8:40] + struct.pack("!IxxxB", 20, 6)
                              + v6[56:]), 0)
        v6 = frames[4]
        self.assertEqual((v6[6], v6[7], v6[40]), (60, 64, 6))
        self.assertEqual(csum(v6[8:40] + struct.pack("!IxxxB", 23, 6)
                              + v6[48:]), 0)

    def test_icmp_quote_length_and_header(self):
        syn = ("10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 7, "
               "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], "
               "length 0")
        data = self.convert_text(
            "10:00:00 IP 10.0.0.1.1000 > 10.0.0.2.80: "
            + syn.split(": ", 1)[1] + "\n"
            "10:00:01 IP 10.0.0.9 > 10.0.0.1: ICMP unreachable port, "
            "quoting 12 " + syn + "\n"
            "10:00:02 IP (ttl 250, id 9) 10.0.0.9 > 10.0.0.1: ICMP "
            "unreachable needfrag, quoting 30 (ttl 9, id 77) " + syn + "\n"
            "10:00:03 IP6 2001:db8::fe > 2001:db8::1: ICMP6 time-exceeded, "
            "quoting full (hlim 1, hbh) 2001:db8::1.1000 > 2001:db8::2.80: "
            "Flags [S], seq 5, length 0\n")
        frames = [f[14:] for _, _, f in read_records(data)]
        csum = tcpdump2pcap.checksum
        icmp = frames[1]
        self.assertEqual(len(icmp), 20 + 8 + 20 + 12)
        self.assertEqual(icmp[20 + 8 + 20:], frames[0][20:32])
        # the quoted IP header keeps the whole packet's length and its ID
        self.assertEqual(struct.unpack_from("!HH", icmp, 28 + 2), (60, 1))
        self.assertEqual(csum(icmp[20:]), 0)
        icmp = frames[2]
        self.assertEqual((icmp[8], struct.unpack_from("!H", icmp, 4)[0]),
                         (250, 9))
        self.assertEqual(icmp[20:22], b"\x03\x04")
        self.assertEqual(len(icmp), 20 + 8 + 20 + 30)
        self.assertEqual((icmp[28 + 8], struct.unpack_from("!H", icmp,
                                                            28 + 4)[0]),
                         (9, 77))
        self.assertEqual(csum(icmp[28:48]), 0)
        self.assertEqual(csum(icmp[20:]), 0)
        icmp6 = frames[3]
        self.assertEqual(icmp6[40:42], b"\x03\x00")
        quoted = icmp6[48:]
        self.assertEqual(len(quoted), 40 + 8 + 20)
        self.assertEqual((quoted[6], quoted[7], quoted[40]), (0, 1, 6))
        self.assertEqual(csum(icmp6[8:40] + struct.pack("!IxxxB", 76, 58)
                              + icmp6[40:]), 0)

    def test_ip_header_errors(self):
        bad = [
            "10:00:00 IP (hlim 3) 10.0.0.1.1000 > 10.0.0.2.80: S 1:1(0)",
            "10:00:00 IP (hbh) 10.0.0.1.1000 > 10.0.0.2.80: S 1:1(0)",
            "10:00:00 IP6 (ttl 3) 2001:db8::1.1 > 2001:db8::2.2: S 1:1(0)",
            "10:00:00 IP (ttl 256) 10.0.0.1.1000 > 10.0.0.2.80: S 1:1(0)",
            "10:00:00 IP (ttl 1, ttl 2) 10.0.0.1.1000 > 10.0.0.2.80: "
            "S 1:1(0)",
            "10:00:00 IP6 2001:db8::fe > 2001:db8::1: ICMP6 unreachable "
            "needfrag, quoting 2001:db8::1.1 > 2001:db8::2.2: S 1:1(0)",
            "10:00:00 IP 10.0.0.9 > 10.0.0.1: ICMP unreachable port, "
            "quoting (hlim 1) 10.0.0.1.1 > 10.0.0.2.2: S 1:1(0)",
        ]
        for line in bad:
            with self.subTest(line=line):
                with self.assertRaisesRegex(tcpdump2pcap.ParseError,
                                            r"^t\.txt:2: "):
                    self.convert_text("# comment\n" + line)

    def test_help(self):
        res = run("--help")
        self.assertEqual(res.returncode, 0)
        self.assertIn("quoting", res.stdout)


if __name__ == "__main__":
    unittest.main()
