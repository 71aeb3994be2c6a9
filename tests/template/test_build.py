"""`sam build` packages every function and the layer, and the layer ships valid unchecked .pyc."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.support.template import TEMPLATE_FILE, functions
from tests.template.test_validators import BIN, run

UNCHECKED_HASH_PYC = 0b01  # PEP 552 flags: hash-based, source not checked at import


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam-build")
    result = run(
        str(BIN / "sam"), "build", "--template-file", str(TEMPLATE_FILE), "--build-dir", str(build_dir),
        "--cache-dir", str(build_dir / ".cache"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return build_dir


def test_every_function_is_built_with_its_handler(build_dir: Path) -> None:
    for name in functions():
        assert (build_dir / name / "app.py").is_file(), name


def test_the_layer_ships_powertools_and_our_modules_under_python(build_dir: Path) -> None:
    python = build_dir / "CommonLayer" / "python"

    assert (python / "common" / "http.py").is_file()
    assert (python / "aws_lambda_powertools" / "__init__.py").is_file()
    assert not (python / "boto3").exists()  # the runtime provides boto3; shipping it only slows cold starts


def test_every_layer_module_has_a_valid_unchecked_hash_pyc(build_dir: Path) -> None:
    python = build_dir / "CommonLayer" / "python"
    sources = sorted(python.rglob("*.py"))
    assert len(sources) > 100

    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        assert pyc.is_file(), f"missing {pyc}"
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, f"{pyc}: not compiled by this Python"
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_PYC, f"{pyc}: not unchecked-hash"
        assert header[8:16] == importlib.util.source_hash(source.read_bytes()), f"{pyc}: stale"


def test_functions_ship_their_own_files_and_only_their_own_dependencies(build_dir: Path) -> None:
    assert (build_dir / "WebPageFunction" / "index.html").is_file()  # the page, read at import
    assert (build_dir / "LinkQrCodeFunction" / "segno" / "__init__.py").is_file()
    assert not (build_dir / "LinkStatsFunction" / "segno").exists()
