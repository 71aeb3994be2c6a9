"""One CPU for the functions and the layer, the template's `Architecture` parameter: arm64 as
deployed, x86_64 for `sam local` on an x86 machine. SAM CLI does not tell the build Makefiles
which one was chosen, so they read LAMBDA_ARCHITECTURE, defaulting to the template's own default."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from devkit.stack import Stack
from tests.support.template import ROOT, functions, resources, template

ARCHITECTURE = {"Ref": "Architecture"}
BUILD_MAKEFILES = [ROOT / "src" / "functions" / "Makefile", ROOT / "src" / "layers" / "common" / "Makefile"]


def test_the_parameter_defaults_to_arm64_and_allows_x86_64() -> None:
    parameter = template()["Parameters"]["Architecture"]

    assert parameter["Default"] == "arm64"
    assert parameter["AllowedValues"] == ["arm64", "x86_64"]


def test_functions_and_layers_all_use_the_parameter() -> None:
    assert template()["Globals"]["Function"]["Architectures"] == [ARCHITECTURE]
    assert all("Architectures" not in function["Properties"] for function in functions().values())
    for layer in resources("AWS::Serverless::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == [ARCHITECTURE]
        assert layer["Metadata"]["BuildArchitecture"] == ARCHITECTURE


@pytest.mark.parametrize("makefile", BUILD_MAKEFILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_build_makefiles_default_to_the_templates_architecture(makefile: Path) -> None:
    (default,) = re.findall(r"^LAMBDA_ARCHITECTURE \?= (\S+)$", makefile.read_text(), flags=re.MULTILINE)

    assert default == template()["Parameters"]["Architecture"]["Default"]


@pytest.mark.parametrize(("architecture", "cpu"), [("arm64", "aarch64"), ("x86_64", "x86_64")])
def test_the_function_build_installs_wheels_for_the_chosen_cpu(architecture: str, cpu: str, tmp_path: Path) -> None:
    command = ["make", "--dry-run", "--makefile", str(BUILD_MAKEFILES[0]), "build-ProcessUploadFunction",
               f"ARTIFACTS_DIR={tmp_path}", f"LAMBDA_ARCHITECTURE={architecture}"]  # fmt: skip
    build = subprocess.run(
        command, cwd=ROOT / "src" / "functions" / "process_upload", capture_output=True, text=True, check=True,
    )  # fmt: skip

    platforms = set(re.findall(r"--platform (\S+)", build.stdout))
    assert platforms == {f"manylinux2014_{cpu}", f"manylinux_2_28_{cpu}", f"manylinux_2_34_{cpu}"}


def test_an_unknown_architecture_stops_the_build(tmp_path: Path) -> None:
    command = ["make", "--dry-run", "--makefile", str(BUILD_MAKEFILES[1]), "build-CommonLayer",
               f"ARTIFACTS_DIR={tmp_path}", "LAMBDA_ARCHITECTURE=amd64"]  # fmt: skip
    build = subprocess.run(
        command, cwd=ROOT / "src" / "layers" / "common", capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert build.returncode != 0
    assert 'LAMBDA_ARCHITECTURE is arm64 or x86_64, not "amd64"' in build.stderr


def test_sam_cli_resolves_the_parameter_for_functions_and_the_layer_build() -> None:
    stack = Stack(parameters={"Architecture": "x86_64"})

    functions_ = list(stack.function_provider.get_all())
    assert {function.architecture for function in functions_} == {"x86_64"}
    assert {layer.build_architecture for function in functions_ for layer in function.layers} == {"x86_64"}
