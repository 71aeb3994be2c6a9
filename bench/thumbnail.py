"""process_upload on a 12-megapixel photo against a naive handler: time and peak memory.

The photo goes through the app's own flow on the in-process emulator: an attachment requested from
CreateAttachmentFunction, the file stored at the key its upload form names, and then S3's
notification. Each contender runs in a fresh process of its own (so one's memory never counts for
the other), aimed at the emulator:

- ours: ProcessUploadFunction's handler from src/ with its layer and template environment (type
  check, thumbnail, tag, the attachment's record);
- naive: what a first version does: get the object, `Image.open(...).resize(...)`, save, put.

Each does one unrecorded warm-up invocation, then `runs` timed ones (medians reported). The goal is
on CPU time: it leaves out the wait for the emulator (whose S3 is not Lambda's) and for the other
agents on a shared machine. Memory is the process's peak RSS (VmHWM): Pillow allocates pixels
outside Python's allocator, where tracemalloc would not see them, and RSS is what counts against
the function's MemorySize.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from bench.operations import Fixtures

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 4000, 3000  # 12 MP, a phone camera's photo
TIME_GOAL = 0.5  # ours / naive


def make_photo(size: tuple[int, int]) -> bytes:
    """A JPEG with photo-like entropy (gradients plus noise), quality 90."""
    from PIL import Image  # noqa: PLC0415 - the children import what they measure themselves

    noise = Image.effect_noise(size, 40)
    red, green = (gradient("L").resize(size) for gradient in (Image.linear_gradient, Image.radial_gradient))
    photo = Image.merge("RGB", (Image.blend(red, noise, 0.3), Image.blend(green, noise, 0.3), noise))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue()


def run(fixtures: Fixtures, runs: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> dict[str, Any]:
    """Both contenders on `runs` + 1 uploads of one photo; checks that ours made every attachment ready."""
    from bench.operations import WRITER  # noqa: PLC0415
    from devkit.events import s3_event, task_event  # noqa: PLC0415
    from devkit.local_aws import emulator_environment, s3_client  # noqa: PLC0415

    app, photo = fixtures.app, make_photo(size)
    function = app.function("ProcessUploadFunction")
    bucket = app.function("CreateAttachmentFunction").environment["BUCKET_NAME"]
    s3 = s3_client(app.emulator.endpoint)
    task_id = fixtures.new_task()
    events = []
    for _ in range(runs + 1):
        request = {"filename": "photo.jpg", "content_type": "image/jpeg", "size": len(photo)}
        event = task_event("POST", WRITER, task_id, suffix="/attachments", body=request)
        key = fixtures.call("CreateAttachmentFunction", event, 201)["upload"]["fields"]["key"]
        stored = s3.put_object(Bucket=bucket, Key=key, Body=photo, ContentType="image/jpeg")
        events.append(s3_event(bucket, key, etag=stored["ETag"].strip('"'), size=len(photo)))
    environment = {**os.environ, **function.environment, **emulator_environment(app.emulator.endpoint)}
    spec = {"path": [str(function.code_dir), *map(str, function.layer_dirs)], "events": events}
    results = {mode: _child(mode, spec, environment) for mode in ("naive", "ours")}
    task = fixtures.call("GetTaskFunction", task_event("GET", WRITER, task_id), 200)
    statuses = [attachment["status"] for attachment in task["attachments"]]
    if statuses != ["ready"] * len(events):
        raise RuntimeError(f"process_upload left the attachments {statuses}")
    ratio = results["ours"]["cpu_ms"] / results["naive"]["cpu_ms"]
    return {
        "image": f"{size[0]}x{size[1]} JPEG, {len(photo) / 1e6:.1f} MB",
        "runs": runs,
        **results,
        "time_ratio": ratio,
        "time_goal": TIME_GOAL,
        "time_met": ratio <= TIME_GOAL,
        "memory_mb": function.memory,
        "memory_met": results["ours"]["peak_mb"] < function.memory,
    }


def _child(mode: str, spec: dict[str, Any], environment: dict[str, str]) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.thumbnail", mode, json.dumps(spec)]
    completed = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"thumbnail ({mode}) failed:\n{completed.stderr[-2000:]}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])  # after the handler's logs
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux's VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _ours(spec: dict[str, Any]) -> Any:
    sys.path[:0] = spec["path"]  # the function's folder, then its layer, as Lambda's /var/task and /opt
    import app  # noqa: PLC0415

    from devkit.lambda_context import LambdaContext  # noqa: PLC0415

    return lambda event: app.handler(event, LambdaContext("ProcessUploadFunction", timeout_seconds=30))


def _naive(spec: dict[str, Any]) -> Any:
    import boto3  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    s3 = boto3.client("s3")

    def handler(event: dict[str, Any]) -> None:
        target = event["Records"][0]["s3"]
        bucket, key = target["bucket"]["name"], unquote_plus(target["object"]["key"])
        image = Image.open(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        out = io.BytesIO()
        image.resize((256, 256 * image.height // image.width)).save(out, "JPEG", quality=80)
        s3.put_object(Bucket=bucket, Key=f"thumbnails/naive/{key}", Body=out.getvalue())

    return handler


def main(mode: str, spec: dict[str, Any]) -> None:
    """In the child: load the contender, run every event, print the figures as the last line."""
    handler = {"ours": _ours, "naive": _naive}[mode](spec)
    after_imports = peak_rss_mb()
    wall, cpu = [], []
    for event in spec["events"]:
        started, started_cpu = time.perf_counter(), time.process_time()
        handler(event)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    figures = {
        "wall_ms": statistics.median(wall[1:]),
        "cpu_ms": statistics.median(cpu[1:]),
        "peak_mb": peak_rss_mb(),
        "after_imports_mb": after_imports,
    }
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
