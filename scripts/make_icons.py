#!/usr/bin/env python3
"""Generate Baton's PWA icons into public/icons/ (stdlib only: zlib + struct).

Run from anywhere:  python3 scripts/make_icons.py

Outputs
  icon-192.png, icon-512.png          purpose "any": rounded blue square,
                                      transparent corners, white baton mark.
  maskable-192.png, maskable-512.png  purpose "maskable": full-bleed blue,
                                      mark kept inside the central 80% safe zone
                                      (a circle of radius 0.4 * size).

The mark is a relay baton: a white diagonal bar with round ends, rising from
bottom-left to top-right. Shapes are described as signed distance functions
and anti-aliased by supersampling each pixel on an N x N grid.
"""

import math
import os
import struct
import zlib

BLUE = (0x1F, 0x6F, 0xEB)
WHITE = (0xFF, 0xFF, 0xFF)

SS = 4  # supersamples per axis (SS * SS samples per pixel)

# Geometry in unit coordinates (0..1 across the icon, y pointing down).
CORNER_RADIUS = 0.22                     # rounded square ("any" icons)
BATON_A = (0.30, 0.70)                   # bottom-left end of the bar
BATON_B = (0.70, 0.30)                   # top-right end of the bar
BATON_RADIUS = 0.095                     # half thickness of the bar
MASKABLE_SCALE = 0.80                    # shrink the mark into the safe zone

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public", "icons")


def sd_rounded_square(x, y, r):
    """Signed distance to a unit square with corner radius r (negative inside)."""
    qx = abs(x - 0.5) - (0.5 - r)
    qy = abs(y - 0.5) - (0.5 - r)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - r


def sd_capsule(x, y, a, b, r):
    """Signed distance to a segment a-b thickened by r (round ends)."""
    pax, pay = x - a[0], y - a[1]
    bax, bay = b[0] - a[0], b[1] - a[1]
    h = (pax * bax + pay * bay) / (bax * bax + bay * bay)
    h = min(max(h, 0.0), 1.0)
    return math.hypot(pax - bax * h, pay - bay * h) - r


def scaled(p, s):
    """Scale a point about the icon centre."""
    return (0.5 + (p[0] - 0.5) * s, 0.5 + (p[1] - 0.5) * s)


def render(size, maskable):
    s = MASKABLE_SCALE if maskable else 1.0
    a, b, r = scaled(BATON_A, s), scaled(BATON_B, s), BATON_RADIUS * s

    offsets = [(i + 0.5) / SS for i in range(SS)]
    n = float(SS * SS)
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type 0 (None) for this scanline
        for px in range(size):
            bg_hits = 0
            mark_hits = 0
            for oy in offsets:
                y = (py + oy) / size
                for ox in offsets:
                    x = (px + ox) / size
                    if maskable or sd_rounded_square(x, y, CORNER_RADIUS) <= 0.0:
                        bg_hits += 1
                        if sd_capsule(x, y, a, b, r) <= 0.0:
                            mark_hits += 1
            if bg_hits == 0:
                row += b"\x00\x00\x00\x00"
                continue
            # Straight (non-premultiplied) alpha: colour is the mix of what
            # is covered, alpha is how much of the pixel is covered at all.
            t = mark_hits / bg_hits
            rgb = [round(BLUE[i] + (WHITE[i] - BLUE[i]) * t) for i in range(3)]
            row += bytes(rgb) + bytes([round(255 * bg_hits / n)])
        rows.append(bytes(row))
    return b"".join(rows)


def png_bytes(size, raw_rgba):
    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw_rgba, 9))
        + chunk(b"IEND", b"")
    )


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, maskable in (("icon", False), ("maskable", True)):
        for size in (192, 512):
            path = os.path.join(OUT_DIR, f"{name}-{size}.png")
            with open(path, "wb") as f:
                f.write(png_bytes(size, render(size, maskable)))
            print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
