"""The directories Lambda imports a function from, rebuilt on this machine from `sam build`'s output.

In Lambda a handler module is imported with `/var/task` (the function's built folder) first on
`sys.path`, then `/opt/python` (layers), then `/var/runtime` (boto3 and its dependencies), then the
standard library. A fresh benchmark process gets the same order:

- task: `.aws-sam/build/<Function>` itself or, when it ships native code for another CPU (arm64
  wheels on an x86_64 laptop), a copy in which those distributions are links to this machine's
  install of the same package (compiled to `.pyc` by pip, as the build compiles what it ships);
- opt: `.aws-sam/build/CommonLayer/python`, compiled `.pyc` and all;
- runtime: boto3 and what it requires, and nothing else of the venv (e.g. awscrt, which botocore
  would pick up at import and which Lambda's runtime does not have).
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

RUNTIME_DISTRIBUTIONS = ("boto3",)  # with their requirements: what the Lambda Python runtime provides
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


def requirement_closure(names: Iterable[str]) -> list[str]:
    """The installed distributions `names` need, recursively, leaving out optional extras."""
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed is not in Lambda either
        seen.add(key)
        pending += [m.group(0) for r in requires if "extra ==" not in r and (m := _REQUIREMENT_NAME.match(r))]
    return sorted(seen)


def is_foreign(dist_info: Path, machine: str | None = None) -> bool:
    """True when every wheel tag of the distribution names another CPU (pure wheels never do)."""
    wheel = dist_info / "WHEEL"
    lines = wheel.read_text().splitlines() if wheel.exists() else []
    platforms = [line.rsplit("-", 1)[-1].strip() for line in lines if line.startswith("Tag:")]
    machine = machine or platform.machine()
    return bool(platforms) and all(p != "any" and not p.endswith(machine) for p in platforms)


def _link_top_level(distribution: importlib.metadata.Distribution, into: Path) -> set[str]:
    """Symlink every top-level entry a distribution installed into `into`; their names."""
    site = Path(str(distribution.locate_file("")))
    entries = {Path(str(name)).parts[0] for name in distribution.files or [] if not str(name).startswith("..")}
    for entry in entries:
        if (site / entry).exists() and not (into / entry).exists():
            (into / entry).symlink_to(site / entry)
    return entries


class Layout:
    """Temporary task and runtime directories for fresh processes; removed on exit."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-lambda-")
        self.root = Path(self._tmp.name)
        self.home = self.root / "home"  # an empty HOME: no ~/.aws/config to read, as in Lambda
        self.home.mkdir()
        self.runtime = self.root / "runtime"
        self.runtime.mkdir()
        for name in requirement_closure(RUNTIME_DISTRIBUTIONS):
            _link_top_level(importlib.metadata.distribution(name), self.runtime)

    def __enter__(self) -> Layout:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._tmp.cleanup()

    def task_dir(self, built: Path) -> tuple[Path, list[str]]:
        """`built` as this machine can import it, and the distributions replaced by this machine's."""
        foreign = [info for info in built.glob("*.dist-info") if is_foreign(info)]
        if not foreign:
            return built, []
        overlay = self.root / "task" / built.name
        overlay.mkdir(parents=True)
        replaced: set[str] = set()
        substituted = []
        for info in foreign:
            name, version = info.name.removesuffix(".dist-info").split("-", 1)
            local = importlib.metadata.distribution(name)
            record = (info / "RECORD").read_text().splitlines()
            replaced |= {Path(line.split(",", 1)[0]).parts[0] for line in record} | _link_top_level(local, overlay)
            substituted.append(f"{name} {version} (built for another CPU): this machine's {local.version} instead")
        for entry in built.iterdir():
            if entry.name not in replaced:
                (overlay / entry.name).symlink_to(entry)
        return overlay, substituted
