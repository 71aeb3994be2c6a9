"""process_upload's image work on a 12-megapixel JPEG, against a naive Image.open(...).resize(...).

    .venv/bin/python bench/thumbnail.py [--runs 7]        (or as part of `python -m bench`)

Each contender runs in its own fresh subprocess (so one's memory never counts for the other):
the median wall time of several runs, and the process's peak RSS (VmHWM), with the peak after
imports for reference. Pillow allocates pixels outside Python's allocator, so tracemalloc would
not see them: RSS is the honest figure for "fits in 512 MB". (Not ru_maxrss: Linux carries it
over from the parent across exec, so a child would report the parent's peak.)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 4000, 3000  # 12 MP, a phone camera's photo
THUMBNAIL = 256


def make_photo(path: Path) -> int:
    """A 12 MP JPEG with photo-like entropy (gradients plus noise), quality 90; its size in bytes."""
    from PIL import Image  # noqa: PLC0415 - only the parent makes the file

    noise = Image.effect_noise((WIDTH, HEIGHT), 40)
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    green = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    photo = Image.merge("RGB", (Image.blend(red, noise, 0.3), Image.blend(green, noise, 0.3), noise))
    photo.save(path, "JPEG", quality=90)
    return path.stat().st_size


def ours(data: bytes) -> bytes:
    """What process_upload does with an image once it has its bytes (sniff, checks, thumbnail)."""
    import upload_checks  # noqa: PLC0415 - imported in the child, with the function's path set up

    from common.storage import Head  # noqa: PLC0415

    head = Head(data[: upload_checks.HEAD_BYTES], len(data), "etag", "image/jpeg")
    result = upload_checks.check(head, read_all=lambda: data, thumbnail_key="thumbnails/x.jpg")
    assert result is not None
    checked, thumbnail = result
    assert checked.reason is None, checked.reason
    assert thumbnail is not None
    return thumbnail


def naive(data: bytes) -> bytes:
    """The seeds' way: decode every pixel, resize, save."""
    from PIL import Image  # noqa: PLC0415

    image = Image.open(io.BytesIO(data))
    small = image.resize((THUMBNAIL, THUMBNAIL * HEIGHT // WIDTH))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def child(mode: str, path: Path, runs: int) -> None:
    sys.path[:0] = [str(ROOT / "src" / "functions" / "process_upload"), str(ROOT / "src" / "layers" / "common")]
    work = {"ours": ours, "naive": naive}[mode]
    data = path.read_bytes()
    import PIL.Image  # noqa: F401, PLC0415 - count the import in the baseline, not in the work

    if mode == "ours":
        import upload_checks  # noqa: F401, PLC0415

    baseline = peak_rss_mb()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work(data)
        times.append(time.perf_counter() - started)
    print(json.dumps({"times": times, "baseline_mb": baseline, "peak_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux's VmHWM; ru_maxrss elsewhere)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, path: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return {
        "median_s": statistics.median(result["times"]),
        "min_s": min(result["times"]),
        "baseline_mb": result["baseline_mb"],
        "peak_mb": result["peak_mb"],
    }


GOAL_TIME_RATIO = 0.5  # ours / naive
MEMORY_MB = 512  # ProcessUploadFunction's MemorySize


def run(runs: int = 7) -> dict[str, Any]:
    """Both contenders on one generated photo: median time, peak RSS, and the goals."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "photo.jpg"
        size = make_photo(path)
        results = {mode: measure(mode, path, runs) for mode in ("naive", "ours")}
    ratio = results["ours"]["median_s"] / results["naive"]["median_s"]
    return {
        "image": f"{WIDTH}x{HEIGHT} JPEG",
        "bytes": size,
        "runs": runs,
        **results,
        "time_ratio": ratio,
        "time_goal": f"<= {GOAL_TIME_RATIO}x naive",
        "time_met": ratio <= GOAL_TIME_RATIO,
        "memory_goal": f"peak RSS < {MEMORY_MB} MB",
        "memory_met": results["ours"]["peak_mb"] < MEMORY_MB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.runs)
        return
    result = run(args.runs)
    print(f"{result['image']}, {result['bytes'] / 1e6:.1f} MB; {args.runs} runs each, one fresh process per contender")
    for mode in ("naive", "ours"):
        r = result[mode]
        print(
            f"  {mode:6} median {r['median_s'] * 1000:7.1f} ms  (best {r['min_s'] * 1000:6.1f} ms)"
            f"  peak RSS {r['peak_mb']:6.1f} MB  (after imports {r['baseline_mb']:5.1f} MB)"
        )
    print(
        f"  ours / naive time: {result['time_ratio']:.2f}x (goal <= {GOAL_TIME_RATIO}x);"
        f" fits in {MEMORY_MB} MB: {result['memory_met']}"
    )


if __name__ == "__main__":
    main()
