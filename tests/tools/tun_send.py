#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one hand-made tunnelled packet, with no tunnel device on either side,
so a tracer must find the inner headers by parsing the outer ones.

usage: tun_send.py KIND DST INNER_SPORT PAYLOAD_LEN
KIND: vxlan (UDP 4789), vxlan8472, geneve (Ethernet, 8 bytes of options),
geneve-ip (IPv4 payload), ipip (IP protocol 4), sit (IPv6 in IPv4, 41).
The inner packet is UDP from INNER_SPORT to 7777, 10.9.0.1 -> 10.9.0.2
(fd00:9::1 -> fd00:9::2 for sit), source MAC 02:00:00:00:00:01.
"""
import socket
import struct
import sys


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def main():
    kind, dst, sport, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    inner = ipv4("10.9.0.1", "10.9.0.2", 17, udp(sport, 7777, b"x" * size))
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    vxlan = bytes.fromhex("0800000000002a00")
    if kind in ("ipip", "sit"):
        if kind == "sit":
            pl = udp(sport, 7777, b"y" * size)
            inner = struct.pack("!IHBB16s16s", 6 << 28, len(pl), 17, 64,
                                socket.inet_pton(socket.AF_INET6, "fd00:9::1"),
                                socket.inet_pton(socket.AF_INET6, "fd00:9::2")) + pl
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4 if kind == "ipip" else 41)
        s.sendto(inner, (dst, 0))
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if kind == "vxlan":
        s.sendto(vxlan + eth + inner, (dst, 4789))
    elif kind == "vxlan8472":
        s.sendto(vxlan + eth + inner, (dst, 8472))
    elif kind == "geneve":
        opts = bytes.fromhex("0102030161626364")  # one 4-byte option + 4 bytes of data
        s.sendto(bytes([len(opts) // 4, 0]) + b"\x65\x58" + b"\0\0\x2a\0" + opts + eth + inner,
                 (dst, 6081))
    elif kind == "geneve-ip":
        s.sendto(b"\0\0\x08\x00\0\0\x2a\0" + inner, (dst, 6081))
    else:
        sys.exit("unknown kind " + kind)


main()
