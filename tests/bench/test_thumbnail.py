"""The thumbnail benchmark runs process_upload's real flow: every upload ends ready, in both children."""

from __future__ import annotations

from bench import thumbnail
from bench.in_process import InProcessApp
from bench.operations import Fixtures
from devkit.emulator import Emulator
from devkit.stack import Stack


def test_both_handlers_process_every_upload_in_a_fresh_process(stack: Stack, aws: Emulator) -> None:
    result = thumbnail.run(Fixtures.create(InProcessApp(stack, aws)), runs=1, size=(800, 600))

    assert result["image"].startswith("800x600 JPEG")
    assert result["ours"]["peak_mb"] >= result["ours"]["after_imports_mb"] > 0
    assert result["naive"]["cpu_ms"] > 0
    assert result["memory_mb"] == 512  # ProcessUploadFunction's MemorySize
