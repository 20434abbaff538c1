#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn tcpdump/windump text lines into a pcap file.

Usage: tcpdump2pcap.py INPUT.txt OUTPUT.pcap

Reads one packet per line and writes a classic pcap file (microsecond
timestamps, little-endian, LINKTYPE_ETHERNET) with valid IPv4 header,
TCP, ICMP and ICMPv6 checksums.  Only the Python 3 standard library is
used and the output is byte-for-byte deterministic.

Input file
----------
Blank lines and lines starting with '#' are ignored, except

    # date: YYYY-MM-DD

which sets the (UTC) date of the following lines (default 2014-01-15).
Every other line is a packet: a time of day HH:MM:SS[.ffffff], optionally
preceded by a date (YYYY-MM-DD, like tcpdump -tttt), the protocol word
IP or IP6 (may be omitted; the family is taken from the addresses),
"SRC > DST:" and the TCP part in one of two syntaxes.  A time earlier than
the previous line's by more than 12 hours means midnight was crossed (the
date advances by a day); any other step backwards is an error.

Addresses are "ADDR.PORT"; IPv6 addresses are written as tcpdump prints
them, e.g. 2001:db8::1.40000.  All numbers are absolute (tcpdump -S).

1. Old windump/tcpdump style (tcpdump -n -S before 4.0):

     16:17:58.813323 IP 10.0.0.1.57245 > 10.0.0.2.80: S 100:100(0) win 65535
     16:17:59.103465 IP 10.0.0.1.57245 > 10.0.0.2.80: . ack 3859825851 win 1024

   The flags word is made of S F R P U (also E = ECE and W = CWR), e.g.
   "FP" or "SF"; "." means none of those.  The ACK flag is set if and
   only if "ack N" is present.  "FIRST:LAST(LEN)" gives the sequence
   number and the payload length (LAST - FIRST must equal LEN modulo
   2^32); without it the payload is empty and the sequence number is the
   sender's next sequence number, i.e. seq + payload length (+1 for SYN,
   +1 for FIN) of the last segment sent in that direction (same
   addresses and ports).  Optional fields, in any order: "ack N",
   "win N", "urg N", "<OPTIONS>" (see below), "(DF)" (ignored).

2. Modern tcpdump style (tcpdump -n -S, 4.0 and later):

     12:00:00.000000 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0
     12:00:00.000100 IP6 2001:db8::2.80 > 2001:db8::1.40000: Flags [S.], seq 7, ack 2, win 65535, length 0

   Flag characters S F R P U . E W ("." = ACK, E = ECE, W = CWR), or
   "[none]".  Comma-separated fields: "seq N" or "seq FIRST:LAST" (data),
   "ack N", "win N", "urg N", "options [OPTIONS]", "length N" (payload
   length); anything after "length N:" is ignored.  "seq" may be left out
   (as tcpdump does for pure ACKs); the sender's next sequence number is
   used as in the old style.  "ack N" is required when "." is among the
   flags; "ack N" without "." writes the acknowledgment field without
   setting the ACK flag.

IP header fields
----------------

After the protocol word, a parenthesized list (as tcpdump -v prints the
IP header) may set fields of this packet's IP header:

     10:00:00 IP (ttl 255, id 1000) 10.0.0.2.80 > 10.0.0.1.4000: R 7:7(0)
     10:00:00 IP6 (hlim 3, hbh) 2001:db8::2.80 > 2001:db8::1.4000: R 7:7(0)

   IP:  "ttl N" (default 64), "id N" (default: the source address's
        counter; an explicit id does not advance the counter).
   IP6: "hlim N" (default 64); "hbh" and/or "dstopt" put a Hop-by-Hop
        and/or a Destination Options extension header (8 bytes, one PadN
        option) between the IPv6 header and TCP (or ICMPv6), in the
        order given.
   The protocol word is required before the list.

Common rules: the window defaults to 65535 (the raw 16-bit field, no
scaling); "urg" defaults to 0.  The payload is LEN zero bytes.
OPTIONS is a comma-separated list of: mss N, nop, eol, wscale N, sackOK,
"TS val X ecr Y" (or "timestamp X Y"), "sack N {A:B}{C:D}...",
"tfo cookiereq", "tfo cookie HEX" (TCP Fast Open, 4 to 16 bytes).  Options
are padded with EOL to a multiple of 4 bytes (at most 40 bytes).

ICMP errors quoting a TCP segment
---------------------------------

     10:00:00.500000 IP 10.0.0.254 > 10.0.0.1: ICMP unreachable port, quoting 10.0.0.1.40000 > 10.0.0.2.80: S 100:100(0) win 512
     10:00:00.600000 IP6 2001:db8::fe > 2001:db8::1: ICMP6 unreachable port, quoting 2001:db8::1.40001 > 2001:db8::2.80: Flags [S], seq 5, win 512, length 0

   "ICMP" (IPv4) or "ICMP6" (IPv6), then the error kind:
     unreachable net|host|proto|port|admin
                       ICMPv4 type 3 code 0/1/2/3/13,
                       ICMPv6 type 1 code 0/3/-/4/1 (no "proto" in ICMPv6)
     unreachable needfrag
                       ICMPv4 type 3 code 4 (fragmentation needed; the
                       next-hop MTU field is 0), not in ICMPv6
     time-exceeded     ICMPv4 type 11 code 0, ICMPv6 type 3 code 0
   then ", quoting", an optional quoting length "8", "full" or a number
   N, an optional parenthesized list of the quoted IP header's fields (as
   above: ttl, id, hlim, hbh, dstopt), and the quoted segment in either
   TCP syntax (without time stamp and "IP").  The error carries the
   quoted packet's IP header (and extension headers) followed by
     "8"    - the first 8 bytes of its TCP header (ports, seq, ack), as
              RFC 792 requires of IPv4 routers (default for ICMP);
     N      - the first N bytes of the TCP segment (all of it if shorter),
              e.g. 12 (no flags) or a cut inside the options;
     "full" - the whole quoted TCP segment, as RFC 4443 asks of IPv6
              nodes (default for ICMP6).
   The quoted IP header's total length is the whole packet's, as routers
   quote it.  Unless the list says otherwise, it carries the IP ID of the
   last packet sent in that direction (0 if none) and TTL/hop limit 64
   (1 for time-exceeded).
   A quoted segment does not update the next-sequence tracking; without
   an explicit seq it uses the tracked value.

Output
------
Each IP address gets a fixed fake MAC address: 02:00:a:b:c:d for IPv4
a.b.c.d, 02:86 followed by the last four bytes of the address for IPv6
(these locally administered prefixes are not names Wireshark resolves).
IPv4: TTL 64, DF set on TCP packets, IP ID counting up per source
address from 1.  IPv6: hop limit 64, flow label 0, no extension headers.
(Unless a line's IP header field list says otherwise.)

A line that cannot be parsed stops the program with a message naming the
file and line number and exit status 1; no output file is written then.
"""

import argparse
import datetime
import ipaddress
import re
import struct
import sys

DEFAULT_DATE = datetime.date(2014, 1, 15)
DEFAULT_WIN = 65535
SNAPLEN = 262144
LINKTYPE_ETHERNET = 1

TH_FIN = 0x01
TH_SYN = 0x02
TH_RST = 0x04
TH_PUSH = 0x08
TH_ACK = 0x10
TH_URG = 0x20
TH_ECE = 0x40
TH_CWR = 0x80

OLD_FLAG_BITS = {"S": TH_SYN, "F": TH_FIN, "R": TH_RST, "P": TH_PUSH,
                 "U": TH_URG, "E": TH_ECE, "W": TH_CWR}
NEW_FLAG_BITS = dict(OLD_FLAG_BITS)
NEW_FLAG_BITS["."] = TH_ACK

# kind -> ((ICMPv4 type, code), (ICMPv6 type, code)); None = not available
ICMP_KINDS = {
    "unreachable net": ((3, 0), (1, 0)),
    "unreachable host": ((3, 1), (1, 3)),
    "unreachable proto": ((3, 2), None),
    "unreachable port": ((3, 3), (1, 4)),
    "unreachable admin": ((3, 13), (1, 1)),
    "unreachable needfrag": ((3, 4), None),
    "time-exceeded": ((11, 0), (3, 0)),
}

MASK32 = 0xFFFFFFFF


class ParseError(Exception):
    """A line of the input cannot be understood."""


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

RE_DATE_COMMENT = re.compile(r"#\s*date:\s*(\S+)\s*$")
RE_LINE = re.compile(
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})\s+)?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<frac>\d{1,6}))?"
    r"\s+(?:(?P<proto>IP6|IP)\s+(?:\((?P<iphdr>[^)]*)\)\s+)?)?"
    r"(?P<rest>.*)$")
RE_ENDPOINTS = re.compile(r"(?P<src>\S+) > (?P<dst>\S+?): (?P<rest>.*)$")
RE_ICMP = re.compile(
    r"(?P<icmp>ICMP6|ICMP) (?P<kind>[a-z -]+?),? quoting"
    r"(?: (?P<qlen>\d+|full))?(?: \((?P<iphdr>[^)]*)\))? (?P<quoted>.*)$")
# IPv6 extension headers: name -> next header value
IPV6_EXT = {"hbh": 0, "dstopt": 60}


def parse_number(text, what, bits=32):
    if not re.fullmatch(r"\d+", text):
        raise ParseError(f"{what}: expected a number, got {text!r}")
    value = int(text)
    if value >= 1 << bits:
        raise ParseError(f"{what} {value} does not fit in {bits} bits")
    return value


def parse_addr(text, with_port):
    """Parse 'ADDR.PORT' (or a bare 'ADDR' if not with_port)."""
    port = None
    addr_text = text
    if with_port:
        addr_text, sep, port_text = text.rpartition(".")
        if not sep:
            raise ParseError(f"address {text!r} has no .PORT")
        port = parse_number(port_text, "port", 16)
    try:
        addr = ipaddress.ip_address(addr_text)
    except ValueError:
        raise ParseError(f"bad IP address {addr_text!r}") from None
    return addr, port


def parse_options(text):
    """Parse a tcpdump option list into the raw option bytes."""
    out = bytearray()
    text = text.strip()
    items = [] if not text else [i.strip() for i in text.split(",")]
    for item in items:
        words = item.split()
        if not words:
            raise ParseError("empty TCP option")
        name = words[0]
        if name == "nop" and len(words) == 1:
            out += b"\x01"
        elif name == "eol" and len(words) == 1:
            out += b"\x00"
        elif name == "sackOK" and len(words) == 1:
            out += b"\x04\x02"
        elif name == "mss" and len(words) == 2:
            out += struct.pack("!BBH", 2, 4, parse_number(words[1], "mss", 16))
        elif name == "wscale" and len(words) == 2:
            out += struct.pack("!BBB", 3, 3,
                               parse_number(words[1], "wscale", 8))
        elif name == "TS" and len(words) == 5 and words[1] == "val" \
                and words[3] == "ecr":
            out += struct.pack("!BBII", 8, 10,
                               parse_number(words[2], "TS val"),
                               parse_number(words[4], "TS ecr"))
        elif name == "timestamp" and len(words) == 3:
            out += struct.pack("!BBII", 8, 10,
                               parse_number(words[1], "timestamp"),
                               parse_number(words[2], "timestamp"))
        elif name == "sack" and len(words) == 3:
            blocks = re.findall(r"\{(\d+):(\d+)\}", words[2])
            if (not blocks or "".join(f"{{{a}:{b}}}" for a, b in blocks)
                    != words[2] or len(blocks) != parse_number(
                        words[1], "sack count", 8)):
                raise ParseError(f"bad sack option {item!r}")
            out += struct.pack("!BB", 5, 2 + 8 * len(blocks))
            for a, b in blocks:
                out += struct.pack("!II", parse_number(a, "sack edge"),
                                   parse_number(b, "sack edge"))
        elif name == "tfo" and words[1:] == ["cookiereq"]:
            out += b"\x22\x02"
        elif name == "tfo" and len(words) == 3 and words[1] == "cookie" \
                and re.fullmatch(r"(?:[0-9a-fA-F]{2}){4,16}", words[2]):
            cookie = bytes.fromhex(words[2])
            out += struct.pack("!BB", 34, 2 + len(cookie)) + cookie
        else:
            raise ParseError(f"unknown or malformed TCP option {item!r}")
    while len(out) % 4:
        out += b"\x00"
    if len(out) > 40:
        raise ParseError("TCP options longer than 40 bytes")
    return bytes(out)


def parse_iphdr(text, version):
    """Parse an IP header field list ('ttl 1, id 2' or 'hlim 3, hbh')."""
    hdr = {"ttl": None, "id": None, "ext": []}
    if text is None:
        return hdr
    items = [i.strip() for i in text.split(",")]
    for item in items:
        words = item.split()
        if version == 4 and len(words) == 2 and words[0] in ("ttl", "id"):
            key = words[0]
            value = parse_number(words[1], key, 8 if key == "ttl" else 16)
        elif version == 6 and len(words) == 2 and words[0] == "hlim":
            key, value = "ttl", parse_number(words[1], "hlim", 8)
        elif version == 6 and len(words) == 1 and words[0] in IPV6_EXT:
            hdr["ext"].append(words[0])
            continue
        else:
            raise ParseError(f"unknown or malformed IPv{version} header "
                             f"field {item!r}")
        if hdr[key] is not None:
            raise ParseError(f"{words[0]} given twice")
        hdr[key] = value
    return hdr


class Segment:
    """What a text line says about one TCP segment."""

    def __init__(self):
        self.flags = 0
        self.seq = None          # None: take the sender's next seq
        self.length = 0
        self.ack = None          # None: ack field 0
        self.win = DEFAULT_WIN
        self.urg = 0
        self.options = b""


def parse_old_tcp(text):
    """Old style: 'S 1:1(0) ack 2 win 3 <mss 1460>'."""
    seg = Segment()
    m = re.match(r"([SFRPUEW]+|\.)(?:\s+|$)", text)
    if not m:
        raise ParseError(f"expected TCP flags (S F R P U E W or .), "
                         f"got {text.split(' ')[0]!r}")
    if m.group(1) != ".":
        for c in m.group(1):
            if seg.flags & OLD_FLAG_BITS[c]:
                raise ParseError(f"flag {c} given twice")
            seg.flags |= OLD_FLAG_BITS[c]
    pos = m.end()
    seen = set()
    patterns = [
        ("range", re.compile(r"(\d+):(\d+)\((\d+)\)")),
        ("ack", re.compile(r"ack (\d+)")),
        ("win", re.compile(r"win (\d+)")),
        ("urg", re.compile(r"urg (\d+)")),
        ("options", re.compile(r"<([^>]*)>")),
        ("df", re.compile(r"\(DF\)")),
    ]
    while pos < len(text):
        for name, pattern in patterns:
            m = pattern.match(text, pos)
            if m:
                break
        else:
            raise ParseError(f"cannot understand {text[pos:]!r}")
        if name in seen:
            raise ParseError(f"{name} given twice")
        if name == "range" and seen:
            raise ParseError("FIRST:LAST(LEN) must come right after the flags")
        seen.add(name)
        if name == "range":
            first = parse_number(m.group(1), "seq")
            last = parse_number(m.group(2), "seq")
            seg.seq = first
            seg.length = parse_number(m.group(3), "length", 16)
            if (last - first) & MASK32 != seg.length:
                raise ParseError(f"{first}:{last} does not span "
                                 f"{seg.length} bytes")
        elif name == "ack":
            seg.ack = parse_number(m.group(1), "ack")
            seg.flags |= TH_ACK
        elif name == "win":
            seg.win = parse_number(m.group(1), "win", 16)
        elif name == "urg":
            seg.urg = parse_number(m.group(1), "urg", 16)
        elif name == "options":
            seg.options = parse_options(m.group(1))
        pos = m.end()
        ws = re.match(r"\s*", text[pos:])
        pos += ws.end()
    return seg


def parse_new_tcp(text):
    """Modern style: 'Flags [S.], seq 1, ack 2, win 3, length 0'."""
    seg = Segment()
    m = re.match(r"Flags \[([^\]]*)\]", text)
    if not m:
        raise ParseError("expected 'Flags [...]'")
    flags = m.group(1)
    if flags != "none":
        if not flags:
            raise ParseError("empty Flags []; write Flags [none]")
        for c in flags:
            if c not in NEW_FLAG_BITS:
                raise ParseError(f"unknown flag {c!r} in Flags [{flags}]")
            if seg.flags & NEW_FLAG_BITS[c]:
                raise ParseError(f"flag {c} given twice")
            seg.flags |= NEW_FLAG_BITS[c]
    pos = m.end()
    patterns = [
        ("seq", re.compile(r", seq (\d+)(?::(\d+))?")),
        ("ack", re.compile(r", ack (\d+)")),
        ("win", re.compile(r", win (\d+)")),
        ("urg", re.compile(r", urg (\d+)")),
        ("options", re.compile(r", options \[([^\]]*)\]")),
        ("length", re.compile(r", length (\d+)")),
    ]
    seen = set()
    seq_last = None
    length = None
    while pos < len(text):
        if "length" in seen:
            if text[pos] == ":":
                break           # payload summary printed by tcpdump
            raise ParseError(f"cannot understand {text[pos:]!r} after length")
        for name, pattern in patterns:
            m = pattern.match(text, pos)
            if m:
                break
        else:
            raise ParseError(f"cannot understand {text[pos:]!r}")
        if name in seen:
            raise ParseError(f"{name} given twice")
        seen.add(name)
        if name == "seq":
            seg.seq = parse_number(m.group(1), "seq")
            if m.group(2) is not None:
                seq_last = parse_number(m.group(2), "seq")
        elif name == "ack":
            seg.ack = parse_number(m.group(1), "ack")
        elif name == "win":
            seg.win = parse_number(m.group(1), "win", 16)
        elif name == "urg":
            seg.urg = parse_number(m.group(1), "urg", 16)
        elif name == "options":
            seg.options = parse_options(m.group(1))
        elif name == "length":
            length = parse_number(m.group(1), "length", 16)
        pos = m.end()
    if seq_last is not None:
        span = (seq_last - seg.seq) & MASK32
        if length is not None and length != span:
            raise ParseError(f"seq {seg.seq}:{seq_last} spans {span} bytes "
                             f"but length is {length}")
        length = span
    seg.length = length or 0
    if seg.flags & TH_ACK and seg.ack is None:
        raise ParseError("ACK flag '.' set but no 'ack N' given")
    return seg


def parse_tcp_packet(text, family, allow_icmp, iphdr=None):
    """Parse 'SRC.P > DST.Q: <tcp>' (or an ICMP error quoting one).

    iphdr is the text of the IP header field list, or None."""
    m = RE_ENDPOINTS.match(text)
    if not m:
        raise ParseError("expected 'SRC > DST: ...'")
    body = m.group("rest")
    icmp = RE_ICMP.match(body)
    if body.startswith("ICMP"):
        if not allow_icmp:
            raise ParseError("an ICMP error cannot quote an ICMP error")
        if not icmp:
            raise ParseError("expected 'ICMP[6] KIND, quoting SRC > DST: ...'")
        src, _ = parse_addr(m.group("src"), False)
        dst, _ = parse_addr(m.group("dst"), False)
        check_family(family, src, dst)
        pkt = {"kind": "icmp", "src": src, "dst": dst,
               "ip": parse_iphdr(iphdr, src.version)}
        want6 = icmp.group("icmp") == "ICMP6"
        if want6 != (src.version == 6):
            raise ParseError(f"{icmp.group('icmp')} with IPv{src.version} "
                             "addresses")
        kind = icmp.group("kind").strip()
        if kind not in ICMP_KINDS:
            raise ParseError(f"unknown ICMP error {kind!r}; known: "
                             + ", ".join(ICMP_KINDS))
        typecode = ICMP_KINDS[kind][1 if want6 else 0]
        if typecode is None:
            raise ParseError(f"{kind!r} does not exist in ICMPv6")
        pkt["type"], pkt["code"] = typecode
        pkt["ttl_exceeded"] = kind == "time-exceeded"
        qlen = icmp.group("qlen") or ("full" if want6 else "8")
        pkt["qlen"] = None if qlen == "full" else parse_number(
            qlen, "quoting length", 16)
        pkt["quoted"] = parse_tcp_packet(icmp.group("quoted"),
                                         "IP6" if want6 else "IP", False,
                                         icmp.group("iphdr"))
        return pkt
    src, sport = parse_addr(m.group("src"), True)
    dst, dport = parse_addr(m.group("dst"), True)
    check_family(family, src, dst)
    if body.startswith("Flags"):
        seg = parse_new_tcp(body)
    else:
        seg = parse_old_tcp(body)
    return {"kind": "tcp", "src": src, "dst": dst, "sport": sport,
            "dport": dport, "seg": seg, "ip": parse_iphdr(iphdr, src.version)}


def check_family(family, src, dst):
    if src.version != dst.version:
        raise ParseError("source and destination are of different families")
    if family == "IP" and src.version != 4:
        raise ParseError("IP with IPv6 addresses (use IP6)")
    if family == "IP6" and src.version != 6:
        raise ParseError("IP6 with IPv4 addresses (use IP)")


# ---------------------------------------------------------------------------
# Building packets
# ---------------------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src, dst, proto, length):
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, proto, length)
    return src.packed + dst.packed + struct.pack("!IxxxB", length, proto)


def fake_mac(addr):
    if addr.version == 4:
        return b"\x02\x00" + addr.packed
    return b"\x02\x86" + addr.packed[-4:]


class Builder:
    def __init__(self):
        self.next_seq = {}      # (src, sport, dst, dport) -> next seq
        self.last_ipid = {}     # (src, sport, dst, dport) -> last IP ID
        self.ipid = {}          # src -> last IP ID used

    def take_ipid(self, src):
        value = (self.ipid.get(src, 0) + 1) & 0xFFFF
        self.ipid[src] = value
        return value

    def tcp_segment(self, pkt, seq):
        seg = pkt["seg"]
        hlen = 20 + len(seg.options)
        header = struct.pack(
            "!HHIIBBHHH", pkt["sport"], pkt["dport"], seq, seg.ack or 0,
            (hlen // 4) << 4, seg.flags, seg.win, 0, seg.urg) + seg.options
        data = header + bytes(seg.length)
        csum = checksum(pseudo_header(pkt["src"], pkt["dst"], 6, len(data))
                        + data)
        return data[:16] + struct.pack("!H", csum) + data[18:]

    def ip_packet(self, src, dst, proto, payload, ipid, ttl, df,
                  total_len=None, ext=()):
        if src.version == 4:
            if total_len is None:
                total_len = 20 + len(payload)
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total_len, ipid,
                                 0x4000 if df else 0, ttl, proto, 0,
                                 src.packed, dst.packed)
            header = header[:10] + struct.pack("!H", checksum(header)) \
                + header[12:]
            return header + payload
        # extension headers, each 8 bytes: next header, length 0, PadN(4)
        for name in reversed(ext):
            payload = struct.pack("!BBBB4x", proto, 0, 1, 4) + payload
            proto = IPV6_EXT[name]
        if total_len is None:
            total_len = 40 + len(payload)
        return struct.pack("!IHBB16s16s", 0x60000000, total_len - 40, proto,
                           ttl, src.packed, dst.packed) + payload

    def seg_seq(self, pkt, update):
        seg = pkt["seg"]
        key = (pkt["src"], pkt["sport"], pkt["dst"], pkt["dport"])
        seq = seg.seq
        if seq is None:
            if key not in self.next_seq:
                raise ParseError(
                    "no sequence number given and no earlier segment from "
                    f"{pkt['src']}.{pkt['sport']} to "
                    f"{pkt['dst']}.{pkt['dport']}")
            seq = self.next_seq[key]
        if update:
            nxt = seq + seg.length
            if seg.flags & TH_SYN:
                nxt += 1
            if seg.flags & TH_FIN:
                nxt += 1
            self.next_seq[key] = nxt & MASK32
        return key, seq

    def packet(self, pkt):
        """Return the Ethernet frame for a parsed line."""
        src, dst = pkt["src"], pkt["dst"]
        if pkt["kind"] == "tcp":
            key, seq = self.seg_seq(pkt, True)
            tcp = self.tcp_segment(pkt, seq)
            hdr = pkt["ip"]
            if hdr["id"] is not None:
                ipid = hdr["id"]
            else:
                ipid = self.take_ipid(src) if src.version == 4 else 0
            self.last_ipid[key] = ipid
            ip = self.ip_packet(src, dst, 6, tcp, ipid,
                                64 if hdr["ttl"] is None else hdr["ttl"],
                                True, ext=hdr["ext"])
        else:
            quoted = pkt["quoted"]
            key, seq = self.seg_seq(quoted, False)
            tcp = self.tcp_segment(quoted, seq)
            qhdr = quoted["ip"]
            ttl = qhdr["ttl"]
            if ttl is None:
                ttl = 1 if pkt["ttl_exceeded"] else 64
            qipid = qhdr["id"]
            if qipid is None:
                qipid = self.last_ipid.get(key, 0)
            qip = self.ip_packet(quoted["src"], quoted["dst"], 6, tcp,
                                 qipid, ttl, True, ext=qhdr["ext"])
            if pkt["qlen"] is not None:
                hl = 20 if src.version == 4 else 40 + 8 * len(qhdr["ext"])
                qip = qip[:hl + pkt["qlen"]]
            proto = 1 if src.version == 4 else 58
            msg = struct.pack("!BBHI", pkt["type"], pkt["code"], 0, 0) + qip
            hdr = pkt["ip"]
            if src.version == 4:
                csum = checksum(msg)
                ipid = hdr["id"]
                if ipid is None:
                    ipid = self.take_ipid(src)
            else:
                csum = checksum(pseudo_header(src, dst, 58, len(msg)) + msg)
                ipid = 0
            msg = msg[:2] + struct.pack("!H", csum) + msg[4:]
            ip = self.ip_packet(src, dst, proto, msg, ipid,
                                64 if hdr["ttl"] is None else hdr["ttl"],
                                False, ext=hdr["ext"])
        ethertype = 0x0800 if src.version == 4 else 0x86DD
        return fake_mac(dst) + fake_mac(src) + struct.pack("!H", ethertype) \
            + ip


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def convert(lines, name="<input>"):
    """Convert an iterable of text lines into pcap file bytes."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                SNAPLEN, LINKTYPE_ETHERNET))
    builder = Builder()
    date = DEFAULT_DATE
    last = None     # datetime of the previous packet
    epoch = datetime.datetime(1970, 1, 1)
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        try:
            if not line:
                continue
            if line.startswith("#"):
                m = RE_DATE_COMMENT.match(line)
                if m:
                    try:
                        date = datetime.date.fromisoformat(m.group(1))
                    except ValueError:
                        raise ParseError(f"bad date {m.group(1)!r}") from None
                    last = None
                continue
            m = RE_LINE.match(line)
            if not m:
                raise ParseError("expected 'HH:MM:SS.ffffff IP SRC > DST: ...'")
            if m.group("date"):
                try:
                    date = datetime.date.fromisoformat(m.group("date"))
                except ValueError:
                    raise ParseError(f"bad date {m.group('date')!r}") from None
                last = None
            h, mi, s = int(m.group("h")), int(m.group("m")), int(m.group("s"))
            if h > 23 or mi > 59 or s > 59:
                raise ParseError("bad time of day")
            usec = int((m.group("frac") or "0").ljust(6, "0"))
            when = datetime.datetime.combine(
                date, datetime.time(h, mi, s, usec))
            if last is not None and when < last:
                if last - when > datetime.timedelta(hours=12):
                    when += datetime.timedelta(days=1)
                    date += datetime.timedelta(days=1)
                else:
                    raise ParseError("time stamp goes backwards")
            last = when
            pkt = parse_tcp_packet(m.group("rest"), m.group("proto"), True,
                                   m.group("iphdr"))
            frame = builder.packet(pkt)
        except ParseError as err:
            raise ParseError(f"{name}:{lineno}: {err}") from None
        delta = when - epoch
        secs = delta.days * 86400 + delta.seconds
        out += struct.pack("<IIII", secs, delta.microseconds, len(frame),
                           len(frame))
        out += frame
    return bytes(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tcpdump2pcap.py",
        description=__doc__.replace(
            "Usage: tcpdump2pcap.py INPUT.txt OUTPUT.pcap\n\n", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="INPUT.txt",
                        help="tcpdump text, one packet per line ('-' = stdin)")
    parser.add_argument("output", metavar="OUTPUT.pcap",
                        help="pcap file to write")
    args = parser.parse_args(argv)
    try:
        if args.input == "-":
            data = convert(sys.stdin.read().splitlines(), "<stdin>")
        else:
            with open(args.input, encoding="utf-8") as f:
                data = convert(f.read().splitlines(), args.input)
    except ParseError as err:
        print(f"tcpdump2pcap.py: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"tcpdump2pcap.py: {err}", file=sys.stderr)
        return 1
    try:
        with open(args.output, "wb") as f:
            f.write(data)
    except OSError as err:
        print(f"tcpdump2pcap.py: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
