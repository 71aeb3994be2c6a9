"""Where and when the numbers were taken: the date, the machine, the software, the code."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_PACKAGES = ("boto3", "botocore", "aws-lambda-powertools", "moto", "pillow", "aws-sam-cli")


def cpu_model() -> str:
    """The CPU's `model name` from /proc/cpuinfo (or what `platform` knows elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpus() -> int:
    """CPUs this process may run on (what `nproc` prints)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: how busy the shared machine was."""
    return [round(value, 2) for value in os.getloadavg()]


def git_revision() -> str:
    """HEAD's short hash, with `+dirty` when the tree has uncommitted changes."""
    if shutil.which("git") is None:
        return "unknown"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if dirty.strip() else head


def valgrind_version() -> str | None:
    if shutil.which("valgrind") is None:
        return None
    result = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or None


def describe() -> dict[str, Any]:
    """Everything the results table's header shows."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": cpus(),
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "kernel": platform.release(),
        "load_average_at_start": load_average(),
        "valgrind": valgrind_version(),
        "packages": versions,
        "git": git_revision(),
    }
