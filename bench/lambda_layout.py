"""The directories Lambda imports a function from, rebuilt on this machine from the built artifacts.

In Lambda a handler module is imported with `/var/task` (the function's built folder) first on
`sys.path`, then `/opt/python` (layers), then `/var/runtime` (boto3 and its dependencies, from the
runtime), then the standard library. A fresh benchmark process gets the same order:

- task: `.aws-sam/build/<Function>` itself, or, when it ships native code for another CPU (arm64
  wheels on an x86_64 laptop), a copy where those distributions are replaced by this machine's
  build of the same version, compiled to unchecked-hash `.pyc` as src/functions/Makefile compiles
  what `sam build` ships (named under /var/task as there, so the bytes do not depend on the copy's
  temporary path);
- opt: `.aws-sam/build/CommonLayer/python`, compiled `.pyc` and all;
- runtime: boto3 and what it requires (not the dev venv's other packages, e.g. awscrt or pyOpenSSL,
  which botocore would otherwise pick up at import and which Lambda's runtime does not have).
"""

from __future__ import annotations

import importlib.metadata
import platform
import py_compile
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

RUNTIME_DISTRIBUTIONS = ("boto3",)  # with their requirements: what the Lambda Python runtime provides
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks a function: its .pyc name their sources there
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Substitution:
    """A distribution built for another CPU, replaced by this machine's build of it."""

    distribution: str
    built_version: str
    local_version: str
    built_tags: tuple[str, ...]


@dataclass
class TaskDir:
    path: Path
    substitutions: list[Substitution] = field(default_factory=list)


def requirement_closure(names: Iterable[str]) -> list[str]:
    """The installed distributions `names` need, recursively, leaving out optional extras."""
    seen: dict[str, None] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed is not there in Lambda either
        seen[key] = None
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            match = _REQUIREMENT_NAME.match(requirement)
            if match:
                pending.append(match.group(0))
    return sorted(seen)


def top_level_entries(files: Iterable[str]) -> set[str]:
    """The first path component of every file a distribution installed (inside site-packages)."""
    return {Path(name).parts[0] for name in files if not name.startswith("..")}


def _installed_files(distribution: importlib.metadata.Distribution) -> list[str]:
    return [str(path) for path in distribution.files or []]


def wheel_tags(dist_info: Path) -> tuple[str, ...]:
    wheel = dist_info / "WHEEL"
    if not wheel.exists():
        return ()
    return tuple(line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:"))


def is_foreign(tags: Iterable[str], machine: str | None = None) -> bool:
    """True when every wheel tag names a platform other than this machine's (pure wheels never are)."""
    machine = machine or platform.machine()
    platforms = [tag.rsplit("-", 1)[-1] for tag in tags]
    return bool(platforms) and all(p != "any" and not p.endswith(machine) for p in platforms)


class Layout:
    """Temporary task and runtime directories for fresh processes; removed on exit."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-lambda-")
        self.root = Path(self._tmp.name)
        self.home = self.root / "home"  # an empty HOME: no ~/.aws/config to read, as in Lambda
        self.home.mkdir()
        self.runtime = self._runtime_dir()

    def __enter__(self) -> Layout:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._tmp.cleanup()

    def _runtime_dir(self) -> Path:
        runtime = self.root / "runtime"
        runtime.mkdir()
        for name in requirement_closure(RUNTIME_DISTRIBUTIONS):
            distribution = importlib.metadata.distribution(name)
            site = Path(str(distribution.locate_file("")))
            for entry in top_level_entries(_installed_files(distribution)):
                target = runtime / entry
                if (site / entry).exists() and not target.exists():
                    target.symlink_to(site / entry)
        return runtime

    def runtime_versions(self) -> dict[str, str]:
        return {name: importlib.metadata.version(name) for name in requirement_closure(RUNTIME_DISTRIBUTIONS)}

    def task_dir(self, built: Path) -> TaskDir:
        """`built` as this machine can import it (see the module's docstring)."""
        foreign = [info for info in built.glob("*.dist-info") if is_foreign(wheel_tags(info))]
        if not foreign:
            return TaskDir(built)
        overlay = self.root / "task" / built.name
        overlay.mkdir(parents=True)
        replaced: set[str] = set()
        substitutions = []
        for info in foreign:
            record = info / "RECORD"
            built_entries = top_level_entries(line.split(",", 1)[0] for line in record.read_text().splitlines())
            name, built_version = _name_and_version(info)
            local = importlib.metadata.distribution(name)
            local_files = _installed_files(local)
            for relative in local_files:
                path = Path(relative)
                if relative.startswith("..") or "__pycache__" in path.parts or path.suffix == ".pyc":
                    continue  # this machine's own .pyc: compiled again below, as the build does
                source = Path(str(local.locate_file(relative)))
                destination = overlay / path
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
                if path.suffix == ".py":
                    compile_as_built(destination, path)
            replaced |= built_entries | top_level_entries(local_files)
            substitutions.append(Substitution(name, built_version, local.version, wheel_tags(info)))
        for entry in built.iterdir():
            if entry.name not in replaced:
                (overlay / entry.name).symlink_to(entry)
        return TaskDir(overlay, substitutions)


def compile_as_built(source: Path, relative: Path) -> None:
    """`source`'s .pyc as src/functions/Makefile makes it: unchecked hash, named under /var/task."""
    py_compile.compile(
        str(source),
        dfile=f"{LAMBDA_TASK_ROOT}/{relative.as_posix()}",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def _name_and_version(dist_info: Path) -> tuple[str, str]:
    fields = {}
    for line in (dist_info / "METADATA").read_text(errors="replace").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields["Name"], fields["Version"]
