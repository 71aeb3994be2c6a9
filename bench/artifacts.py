"""Artifact sizes after `sam build`: each function and the layer, zipped in memory as a deploy would.

Lambda's limits are 50 MB zipped for a direct upload and 250 MB unzipped for a function and all
its layers together; what matters for cold starts is mostly what gets imported, not the bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

UNZIPPED_LIMIT = 250 * 1024 * 1024  # function + layers
ZIPPED_LIMIT = 50 * 1024 * 1024


def zipped(directory: Path) -> tuple[int, int, int]:
    """(zipped bytes, unzipped bytes, files) of `directory`, deflated as `sam deploy` uploads it."""
    buffer = io.BytesIO()
    unzipped = files = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
                unzipped += path.stat().st_size
                files += 1
    return len(buffer.getvalue()), unzipped, files


def measure(build: Path, functions: Iterable[str], layer: str = "CommonLayer") -> list[dict[str, Any]]:
    """One row per function (the layer's size counted towards its unzipped limit) and one for the layer."""
    layer_zip, layer_bytes, layer_files = zipped(build / layer)
    rows: list[dict[str, Any]] = [
        {"artifact": layer, "zipped": layer_zip, "unzipped": layer_bytes, "files": layer_files}
    ]
    for name in functions:
        size, unzipped, files = zipped(build / name)
        rows.append(
            {
                "artifact": name,
                "zipped": size,
                "unzipped": unzipped,
                "files": files,
                "unzipped_with_layer": unzipped + layer_bytes,
                "within_limits": size <= ZIPPED_LIMIT and unzipped + layer_bytes <= UNZIPPED_LIMIT,
            }
        )
    return rows
