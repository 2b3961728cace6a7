#!/usr/bin/env python3
"""media_bench.py — what showing a sample's picture costs: a cold decode of a
1920x1080 JPEG and of a 4-frame strip of a 10 s 1280x720 H.264 clip whose
keyframes are 10 s apart (each frame decoded exactly: up to 9 s of frames
decoded forward), the thumbnail cache's answer, and drawing as cells.

  python3 bench/media_bench.py BUILD_DIR [--rounds N]

Prints a Markdown section for bench/RESULTS.md. Needs the ffmpeg command to
make its inputs (into bench/out/)."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, machine  # noqa: E402


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


if __name__ == "__main__":
    main()
