#!/usr/bin/env python3
"""media_bench.py — what showing a sample's picture costs: a cold decode of a
1920x1080 JPEG and of a 4-frame strip of a 10 s 1280x720 H.264 clip whose
keyframes are 10 s apart (each frame decoded exactly: up to 9 s of frames
decoded forward), the thumbnail cache's answer, and drawing as cells.

  python3 bench/media_bench.py BUILD_DIR [--rounds N]

Prints a Markdown section for bench/RESULTS.md. Needs the ffmpeg command to
make its inputs (into bench/out/)."""
import argparse
import json
import select
import time
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, machine, verdict  # noqa: E402


def make(name, args):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args.split(), path],
                       check=True)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--keys", type=int, default=10, help="keypresses per keypress case")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    still = make("bench-still.jpg", "-f lavfi -i testsrc2=s=1920x1080 -frames:v 1 -q:v 3")
    video = make("bench-clip.mp4", "-f lavfi -i testsrc2=s=1280x720:r=25:d=10 -c:v libx264 "
                 "-preset veryfast -g 250 -pix_fmt yuv420p")
    out = subprocess.run([os.path.join(a.build, "src", "media", "media_bench"), still, video,
                          str(a.rounds)], capture_output=True, text=True, check=True).stdout
    load = os.getloadavg()
    print("## Media: decoding and drawing a sample's picture")
    print()
    print(f"Machine: {machine()}; load average {load[0]:.1f} while measuring. "
          f"{a.rounds} rounds each; a cold decode is a new child process (limited to 512 MiB "
          "of address space beyond its parent's, 10 s of CPU) with no thumbnail cache. "
          "Inputs: a 1920x1080 JPEG "
          f"({os.path.getsize(still) // 1024} KiB) and a 10 s 1280x720 H.264 clip at 25 fps "
          f"with one keyframe every 10 s ({os.path.getsize(video) // 1024} KiB), "
          "scaled to fit 320x240. Child CPU is user + system time of the decoder child; "
          "on a loaded machine wall time exceeds it by the time spent waiting for a core.")
    print()
    print(out.rstrip())
    keypress_section(a.build, a.keys)


def keypress_to_media(build, kind, prefetch, n):
    """Milliseconds from an 'a' on the review screen to the next sample's
    media drawn (its header, written once its decode is in, and the output
    quiet after it), over n samples each with a file of its own."""
    from review_bench import Pty
    assay = os.path.join(build, "src", "cli", "assay")
    work = os.path.join(OUT, f"keypress-{kind}-{int(prefetch)}")
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(os.path.join(work, "media"))
    os.makedirs(os.path.join(work, "assay"))
    recs = []
    levels = (0, 95, 135, 175, 215, 255)
    marks = []
    for i in range(n + 1):
        # a colour of the 256-colour cube of its own: the picture is drawn
        # when its SGR code is written (curses rewrites only what changed,
        # so no text of the header is a reliable mark)
        idx = 16 + (37 + i * 41) % 216
        r, g, b = levels[(idx - 16) // 36], levels[(idx - 16) % 36 // 6], levels[(idx - 16) % 6]
        marks.append(f"8;5;{idx}m".encode())
        c = f"color=c=0x{r:02x}{g:02x}{b:02x}"
        if kind == "still":
            name = f"s{i}.jpg"
            args = f"-f lavfi -i {c}:s=1280x720 -frames:v 1 -q:v 3"
        else:
            name = f"v{i}.mp4"
            args = (f"-f lavfi -i {c}:s=640x360:r=25:d=4 -c:v libx264 "
                    "-preset veryfast -g 50 -pix_fmt yuv420p")
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args.split(),
                        os.path.join(work, "media", name)], check=True)
        recs.append(json.dumps({"id": f"k{i}", "caption": f"Sample {i}.", "image": "media/" + name}))
    with open(os.path.join(work, "k.jsonl"), "w") as f:
        f.write("\n".join(recs) + "\n")
    with open(os.path.join(work, "assay", "config"), "w") as f:
        f.write(f"[media]\nprefetch = {'yes' if prefetch else 'no'}\n")
    db = os.path.join(work, "k.db")
    subprocess.run([assay, "--db", db, "import", "--quiet", "--no-score", "--batch", "k",
                    os.path.join(work, "k.jsonl")], check=True)
    env = {"HOME": work, "XDG_CONFIG_HOME": work, "XDG_CACHE_HOME": os.path.join(work, "cache"),
           "LANG": "C.UTF-8"}
    p = Pty([assay, "--db", db, "review", "--annotator", "bench", "--order", "import"], env=env,
            cols=120, rows=40)
    lat = []
    try:
        p.wait_for(marks[0])
        for i in range(1, n + 1):
            time.sleep(0.6 if prefetch else 0.1)  # prefetch: the next ones decoded by now
            while select.select([p.fd], [], [], 0)[0]:
                os.read(p.fd, 65536)
            sent = p.send(b"a")
            lat.append((p.wait_for(marks[i]) - sent) * 1000)
    finally:
        p.close()
    return sorted(lat)


def keypress_section(build, n):
    import statistics
    print()
    print("### Keypress to the next sample with its media drawn")
    print()
    print(f"Command: `python3 bench/media_bench.py {build}` (part of `make bench`): the review "
          f"screen in a pty at 120x40, {n} keypresses ('a') per row, each to a sample with a "
          "media file of its own; the time from writing the key until the next sample's media "
          "picture (a solid colour of its own) starts to be written (its colour's SGR code read "
          "from the pty; curses writes a frame in one go). Prefetched: 0.6 s left between keys, so the next "
          "samples are decoded ahead into the thumbnail cache; cold: `[media] prefetch = no` "
          "and an empty cache. Stills: 1280x720 JPEGs of one colour; strips: 4 frames of 4 s "
          "640x360 H.264 clips of one colour. Targets: prefetched p50 < 20 ms; cold still < 150 ms; cold strip < 500 ms.")
    print()
    print("| case | p50 ms | max ms | samples | target (p50) |")
    print("|---|---|---|---|---|")
    for label, kind, pre, limit in (("still, prefetched", "still", True, 20),
                                    ("still, cold", "still", False, 150),
                                    ("video strip, prefetched", "video", True, 20),
                                    ("video strip, cold", "video", False, 500)):
        lat = keypress_to_media(build, kind, pre, n)
        p50 = statistics.median(lat)
        print(f"| {label} | {p50:.1f} | {max(lat):.1f} | {len(lat)} | "
              f"< {limit} ms ({verdict(p50 < limit)}) |")


if __name__ == "__main__":
    main()
