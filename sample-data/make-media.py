#!/usr/bin/env python3
"""make-media.py — the sample pictures and clips and their captions.

    python3 sample-data/make-media.py [--out DIR] [--no-clips]

Writes into DIR (default: the directory of this script):
    media/*.png               drawn scenes: clear colours, shapes and counts
    media/*.mp4, media/*.webm short clips (made with the ffmpeg command)
    media-captions.jsonl      one caption per picture or clip, some wrong
    media-labels.jsonl        the planted errors: {"id", "flaws": [...]}

Deterministic: the pictures are drawn here pixel by pixel and written as
PNG with zlib (the same bytes on every run); the clips come from ffmpeg's
lavfi sources with -bitexact and one thread (the same bytes for the same
ffmpeg version). Python standard library only, plus ffmpeg for the clips.
"""
import argparse
import json
import os
import struct
import subprocess
import zlib

W, H = 160, 120
COLOURS = {
    "white": (255, 255, 255), "grey": (200, 200, 200), "black": (0, 0, 0),
    "red": (220, 30, 30), "green": (30, 160, 40), "blue": (40, 70, 220),
    "yellow": (240, 210, 20), "orange": (245, 130, 20), "purple": (130, 40, 170),
}


def png(pixels):
    """PNG bytes of a W x H RGB picture (rows of (r, g, b) tuples)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\0" + bytes(c for px in row for c in px) for row in pixels)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


class Canvas:
    def __init__(self, bg):
        self.px = [[COLOURS[bg]] * W for _ in range(H)]

    def put(self, inside, colour):
        c = COLOURS[colour]
        for y in range(H):
            row = self.px[y]
            for x in range(W):
                if inside(x + 0.5, y + 0.5):
                    row[x] = c

    def circle(self, cx, cy, r, colour):
        self.put(lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r, colour)

    def rect(self, x0, y0, x1, y1, colour):
        self.put(lambda x, y: x0 <= x < x1 and y0 <= y < y1, colour)

    def triangle(self, cx, top, bottom, half, colour):
        """An upright isosceles triangle: apex (cx, top), base at bottom."""
        def inside(x, y):
            if not top <= y <= bottom:
                return False
            w = half * (y - top) / (bottom - top)
            return cx - w <= x <= cx + w
        self.put(inside, colour)


def scene(bg, *shapes):
    c = Canvas(bg)
    for kind, *args in shapes:
        getattr(c, kind)(*args)
    return png(c.px)


# name, picture, caption, planted flaws (empty: the caption is right)
STILLS = [
    ("red-ball", scene("white", ("circle", 80, 60, 35, "red")),
     "A single red ball in the middle of a white background.", []),
    ("three-blue-squares",
     scene("grey", *[("rect", 15 + 50 * i, 40, 45 + 50 * i, 80, "blue") for i in range(3)]),
     "Four blue squares stand in a row on a grey background.", ["wrong_count"]),
    ("green-triangle", scene("white", ("triangle", 80, 15, 105, 50, "green")),
     "A yellow triangle points upwards on a white background.", ["wrong_colour"]),
    ("two-yellow-circles-black-square",
     scene("white", ("circle", 40, 45, 22, "yellow"), ("circle", 120, 45, 22, "yellow"),
           ("rect", 65, 80, 95, 110, "black")),
     "Two yellow circles above a small black square, on white.", []),
    ("five-orange-stripes",
     scene("white", *[("rect", 0, 8 + 24 * i, W, 20 + 24 * i, "orange") for i in range(5)]),
     "Five horizontal orange stripes across a white background.", []),
    ("purple-circle-red-square",
     scene("grey", ("circle", 50, 60, 30, "purple"), ("rect", 95, 35, 145, 85, "red")),
     "A purple circle next to a red square, with a blue triangle between them.",
     ["object_not_there"]),
    ("four-red-dots",
     scene("white", *[("circle", 32 + 32 * i, 60, 10, "red") for i in range(4)]),
     "Four red dots in a horizontal line on white.", []),
    ("blue-sky-green-field",
     scene("blue", ("rect", 0, 70, W, H, "green"), ("circle", 130, 25, 14, "yellow")),
     "A green field under a blue sky, with an orange sun in the top right corner.",
     ["wrong_colour"]),
]

LAVFI = "-f lavfi -i color=c={c}:s=160x120:r=10:d={d}"
# name, ffmpeg input and filter arguments, caption, planted flaws
CLIPS = [
    ("blue-then-green.mp4",
     LAVFI.format(c="blue", d=2) + " " + LAVFI.format(c="green", d=2)
     + " -filter_complex [0][1]concat=n=2:v=1",
     "The whole frame is blue for the first half of the clip, then turns green.", []),
    ("red-square-slides.mp4",
     LAVFI.format(c="white", d=4) + " -f lavfi -i color=c=red:s=40x40:r=10:d=4"
     + " -filter_complex [0][1]overlay=x=10+t*25:y=40",
     "A red square slides from the left edge towards the right on a white background.", []),
    ("yellow-then-purple.webm",
     LAVFI.format(c="yellow", d=2) + " " + LAVFI.format(c="purple", d=2)
     + " -filter_complex [0][1]concat=n=2:v=1",
     "The frame is yellow at first and then turns blue.", ["wrong_colour"]),
]
CODECS = {".mp4": "-c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p -g 20",
          ".webm": "-c:v libvpx-vp9 -deadline good -cpu-used 4 -b:v 100k -g 20"}


def make_clip(path, args):
    ext = os.path.splitext(path)[1]
    cmd = (["ffmpeg", "-v", "error", "-nostdin", "-y"] + args.split() + CODECS[ext].split()
           + ["-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
              "-map_metadata", "-1", path])
    subprocess.run(cmd, check=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=here)
    ap.add_argument("--no-clips", action="store_true", help="pictures and captions only")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "media"), exist_ok=True)
    records, labels = [], []
    for name, data, caption, flaws in STILLS:
        with open(os.path.join(a.out, "media", name + ".png"), "wb") as f:
            f.write(data)
        records.append({"id": "media-" + name, "caption": caption,
                        "image": "media/" + name + ".png", "meta": {"kind": "image"}})
        labels.append({"id": "media-" + name, "flaws": flaws})
    for name, args, caption, flaws in CLIPS:
        if not a.no_clips:
            make_clip(os.path.join(a.out, "media", name), args)
        stem = os.path.splitext(name)[0]
        records.append({"id": "media-" + stem, "caption": caption,
                        "video": "media/" + name, "meta": {"kind": "video"}})
        labels.append({"id": "media-" + stem, "flaws": flaws})
    for fname, rows in (("media-captions.jsonl", records), ("media-labels.jsonl", labels)):
        with open(os.path.join(a.out, fname), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
