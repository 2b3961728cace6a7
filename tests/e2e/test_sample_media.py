"""The sample pictures and clips: the committed files are what
sample-data/make-media.py makes, small enough to commit, every caption's
media exists, and the drawn scenes hold exactly the shapes and colours the
labels say (a planted error is visibly wrong, a clean caption is right)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, eq  # noqa: E402

SCRIPT = os.path.join(SAMPLE_DATA, "make-media.py")
FLAWS = {"wrong_colour", "wrong_count", "object_not_there"}
PALETTE = {
    "white": (255, 255, 255), "grey": (200, 200, 200), "black": (0, 0, 0),
    "red": (220, 30, 30), "green": (30, 160, 40), "blue": (40, 70, 220),
    "yellow": (240, 210, 20), "orange": (245, 130, 20), "purple": (130, 40, 170),
}
# what each picture really shows: shapes (connected areas) per colour
TRUTH = {
    "red-ball": {"red": 1},
    "three-blue-squares": {"blue": 3},
    "green-triangle": {"green": 1, "yellow": 0},
    "two-yellow-circles-black-square": {"yellow": 2, "black": 1},
    "five-orange-stripes": {"orange": 5},
    "purple-circle-red-square": {"purple": 1, "red": 1, "blue": 0},
    "four-red-dots": {"red": 4},
    "blue-sky-green-field": {"blue": 1, "green": 1, "yellow": 1, "orange": 0},
}


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def read_png(path):
    """Width, height and rows of (r, g, b) of an 8-bit RGB PNG without
    row filters (as the generator writes them)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            eq((depth, ctype), (8, 2), f"{path}: 8-bit RGB")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = []
    for y in range(h):
        line = raw[y * (3 * w + 1):(y + 1) * (3 * w + 1)]
        eq(line[0], 0, f"{path}: row filter")
        rows.append([tuple(line[1 + 3 * x:4 + 3 * x]) for x in range(w)])
    return w, h, rows


def shapes(rows, colour):
    """Connected areas (4-neighbour) of exactly that colour."""
    h, w = len(rows), len(rows[0])
    seen = [[False] * w for _ in range(h)]
    count = 0
    for y in range(h):
        for x in range(w):
            if seen[y][x] or rows[y][x] != colour:
                continue
            count += 1
            stack = [(x, y)]
            seen[y][x] = True
            while stack:
                cx, cy = stack.pop()
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < w and 0 <= ny < h and not seen[ny][nx] \
                            and rows[ny][nx] == colour:
                        seen[ny][nx] = True
                        stack.append((nx, ny))
    return count


def test_committed_media_match_the_generator():
    with Workdir() as w:
        args = [] if shutil.which("ffmpeg") else ["--no-clips"]
        subprocess.run([sys.executable, SCRIPT, "--out", w.path, *args], check=True)
        made = sorted(os.listdir(os.path.join(w.path, "media")))
        for name in ["media-captions.jsonl", "media-labels.jsonl"] + \
                ["media/" + n for n in made if n.endswith(".png")]:
            with open(os.path.join(w.path, name), "rb") as a, \
                    open(os.path.join(SAMPLE_DATA, name), "rb") as b:
                check(a.read() == b.read(), f"{name} differs from what make-media.py makes")
        # clips: the same files (their bytes depend on the ffmpeg version,
        # so only their presence and size class are compared)
        for n in made:
            if not n.endswith(".png"):
                size = os.path.getsize(os.path.join(SAMPLE_DATA, "media", n))
                check(0 < size < 64 << 10, f"{n}: {size} bytes")


def test_media_are_small_and_referenced():
    total = sum(os.path.getsize(os.path.join(SAMPLE_DATA, "media", n))
                for n in os.listdir(os.path.join(SAMPLE_DATA, "media")))
    check(total < 300 << 10, f"sample media take {total} bytes")
    recs = jsonl(os.path.join(SAMPLE_DATA, "media-captions.jsonl"))
    labels = jsonl(os.path.join(SAMPLE_DATA, "media-labels.jsonl"))
    eq([r["id"] for r in recs], [l["id"] for l in labels], "labels follow the captions")
    used = set()
    for r in recs:
        path = r.get("image") or r.get("video")
        check(path and os.path.isfile(os.path.join(SAMPLE_DATA, path)), f"{r['id']}: {path}")
        used.add(os.path.basename(path))
    eq(sorted(used), sorted(os.listdir(os.path.join(SAMPLE_DATA, "media"))),
       "every file has a caption")
    flaws = [f for l in labels for f in l["flaws"]]
    eq(set(flaws), FLAWS, "each kind of planted error at least once")
    check(sum(1 for l in labels if not l["flaws"]) >= len(labels) // 2, "mostly clean")


def test_pictures_show_what_the_labels_say():
    recs = {r["id"]: r for r in jsonl(os.path.join(SAMPLE_DATA, "media-captions.jsonl"))}
    labels = {l["id"]: l["flaws"] for l in jsonl(os.path.join(SAMPLE_DATA, "media-labels.jsonl"))}
    words = {1: "single", 2: "two", 3: "three", 4: "four", 5: "five"}
    for name, truth in TRUTH.items():
        key = "media-" + name
        _, _, rows = read_png(os.path.join(SAMPLE_DATA, recs[key]["image"]))
        for colour, n in truth.items():
            eq(shapes(rows, PALETTE[colour]), n, f"{name}: {colour} shapes")
        caption = recs[key]["caption"].lower()
        # a colour the caption names that is not in the picture is a planted error
        absent = [c for c in PALETTE if c in caption.split() and not any(
            PALETTE[c] == px for row in rows for px in row)]
        counted = [n for n in truth.values() if n > 1]
        count_right = all(words[n] in caption for n in counted)
        if not labels[key]:
            eq(absent, [], f"{name}: a clean caption names only colours shown")
            check(count_right, f"{name}: a clean caption gives the right count")
        elif "wrong_count" in labels[key]:
            check(not count_right, f"{name}: the count is wrong")
        else:
            check(absent, f"{name}: the planted error names something not shown")
