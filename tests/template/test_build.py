"""`sam build` packages every function and the layer, each with valid unchecked-hash .pyc."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pyc import pyc_problems
from tests.support.template import TEMPLATE_FILE, functions
from tests.template.test_validators import BIN, run


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
    sources = sorted((build_dir / "CommonLayer" / "python").rglob("*.py"))
    assert len(sources) > 100

    assert pyc_problems(sources) == []


@pytest.mark.parametrize("name", list(functions()))
def test_every_function_module_and_dependency_has_a_valid_unchecked_hash_pyc(build_dir: Path, name: str) -> None:
    sources = sorted((build_dir / name).rglob("*.py"))
    assert build_dir / name / "app.py" in sources

    assert pyc_problems(sources) == []


def test_functions_ship_their_own_files_and_only_their_own_dependencies(build_dir: Path) -> None:
    assert (build_dir / "WebPageFunction" / "index.html").is_file()  # the page, read at import
    assert (build_dir / "LinkQrCodeFunction" / "segno" / "__init__.py").is_file()
    assert not (build_dir / "LinkQrCodeFunction" / "bin").exists()  # segno's CLI script: never run in Lambda
    assert not (build_dir / "LinkStatsFunction" / "segno").exists()
    # Pillow as Lambda runs it (arm64 Linux), whatever machine builds it.
    assert (build_dir / "ProcessUploadFunction" / "PIL" / "_imaging.cpython-313-aarch64-linux-gnu.so").is_file()
