"""Cold starts import each function as Lambda would: boto3 from a runtime folder, native wheels built
for another CPU replaced by this machine's install of the same package."""

from __future__ import annotations

from pathlib import Path

from bench.lambda_layout import Layout, is_foreign, requirement_closure


def test_a_wheel_built_for_another_cpu_is_replaced_by_this_machines_install(tmp_path: Path) -> None:
    built = tmp_path / "ProcessUploadFunction"
    info = built / "pillow-13.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_28_elsewhere\n")
    (info / "RECORD").write_text("PIL/__init__.py,,\npillow.libs/libjpeg.so,,\n")
    (built / "PIL").mkdir()
    (built / "app.py").write_text("import PIL\n")

    with Layout() as layout:
        task, notes = layout.task_dir(built)

        assert task != built
        assert (task / "app.py").resolve() == (built / "app.py").resolve()
        assert (task / "PIL" / "Image.py").is_file()  # this machine's Pillow, not the built one
        assert (task / "PIL").resolve() != (built / "PIL").resolve()
        assert notes == [f"pillow 13.0.0 (built for another CPU): this machine's {_pillow()} instead"]
        assert (layout.runtime / "boto3").is_dir()
        assert not (layout.runtime / "PIL").exists()  # the runtime holds boto3 and its requirements only


def _pillow() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("pillow")


def test_which_wheels_are_foreign_and_what_the_runtime_provides(tmp_path: Path) -> None:
    (tmp_path / "WHEEL").write_text("Tag: cp313-cp313-manylinux_2_28_aarch64\n")
    assert is_foreign(tmp_path, machine="x86_64")
    assert not is_foreign(tmp_path, machine="aarch64")
    (tmp_path / "WHEEL").write_text("Tag: py3-none-any\n")
    assert not is_foreign(tmp_path, machine="x86_64")
    runtime = requirement_closure(["boto3"])
    assert {"boto3", "botocore", "s3transfer", "jmespath", "urllib3"} <= set(runtime)
    assert "awscrt" not in runtime  # an optional extra: not what Lambda's runtime has
