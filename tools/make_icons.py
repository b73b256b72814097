#!/usr/bin/env python3
"""Draws the page's app icons (www/icons/icon-192.png, icon-512.png): one ECG beat in white on
the page's dark red, inside the central 80 % that a maskable icon keeps.

usage: python3 tools/make_icons.py   (writes into www/icons/; standard library only)

The PNGs are committed; this script is how they were made and how to make them again.
"""
import math
import os
import struct
import zlib

BACKGROUND = (0x8C, 0x1D, 0x18)
LINE = (0xFF, 0xFF, 0xFF)
# One beat, in units of the icon's side (0..1): baseline, P, QRS, T, baseline.
TRACE = [(0.12, 0.56), (0.30, 0.56), (0.34, 0.50), (0.38, 0.56), (0.44, 0.56), (0.47, 0.62),
         (0.52, 0.22), (0.57, 0.74), (0.60, 0.56), (0.67, 0.56), (0.73, 0.46), (0.79, 0.56),
         (0.88, 0.56)]
WIDTH = 0.045


def distance(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def pixels(size):
    rows = []
    segments = list(zip(TRACE, TRACE[1:]))
    for y in range(size):
        row = bytearray([0])  # PNG filter type 0 (none) for each scanline
        for x in range(size):
            px, py = (x + 0.5) / size, (y + 0.5) / size
            d = min(distance(px, py, a, b) for a, b in segments)
            # Antialiased edge one pixel wide.
            cover = max(0.0, min(1.0, (WIDTH / 2 - d) * size + 0.5))
            row += bytes(round(bg + (fg - bg) * cover) for bg, fg in zip(BACKGROUND, LINE))
        rows.append(bytes(row))
    return b"".join(rows)


def png(size):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(pixels(size), 9)) + chunk(b"IEND", b""))


def main():
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "www", "icons")
    os.makedirs(out, exist_ok=True)
    for size in (192, 512):
        with open(os.path.join(out, f"icon-{size}.png"), "wb") as f:
            f.write(png(size))


if __name__ == "__main__":
    main()
