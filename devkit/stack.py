"""The application as template.yaml describes it, read through SAM CLI's own providers.

These are SAM CLI internals (pinned in requirements-dev.txt, checked by
tests/devserver/test_sam_seam.py): the same code `sam local start-api` uses to resolve
parameters, intrinsics, layers and environment variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Api, Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LOCAL_PARAMETERS = {"AuthMode": "none"}


@dataclass(frozen=True)
class LocalFunction:
    """What it takes to run one function on the local Python, as Lambda would."""

    name: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    timeout: int
    memory: int
    environment: dict[str, str]

    @property
    def module_file(self) -> Path:
        return self.code_dir / f"{self.handler.rsplit('.', 1)[0]}.py"

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @classmethod
    def from_invoke_config(cls, config: Any, root: Path) -> LocalFunction:
        """From the `FunctionConfig` SAM's `LocalLambdaRunner` hands its runtime on every invoke."""
        return cls(
            name=config.name,
            code_dir=Path(config.code_abs_path),
            handler=config.handler or "app.handler",
            layer_dirs=tuple(_layer_dir(root / layer.codeuri) for layer in config.layers),
            timeout=int(config.timeout or 3),
            memory=int(config.memory or 128),
            environment=_without_empty_endpoint(config.env_vars.resolve()),
        )


def _without_empty_endpoint(variables: dict[str, Any]) -> dict[str, str]:
    # The template's AWS_ENDPOINT_URL is `!If [HasEndpointUrl, ..., !Ref AWS::NoValue]`, which
    # SAM resolves to "" rather than leaving it out; boto3 would take "" for "no override" and
    # reach for real AWS. The local stack sets its own endpoint anyway.
    return {key: str(value) for key, value in variables.items() if not (key == "AWS_ENDPOINT_URL" and value == "")}


class Stack:
    """Functions, API routes and resources of the template, with parameters resolved."""

    def __init__(self, template: Path = TEMPLATE, parameters: dict[str, str] | None = None) -> None:
        self.template = template
        self.root = template.parent
        overrides = {**LOCAL_PARAMETERS, **(parameters or {})}
        self.stacks, _ = SamLocalStackProvider.get_stacks(template_file=str(template), parameter_overrides=overrides)
        self.function_provider = SamFunctionProvider(self.stacks)
        self._runner = LocalLambdaRunner(
            local_runtime=None,  # only used here to resolve environments, never to invoke
            function_provider=self.function_provider,
            cwd=str(self.root),
            real_path=str(self.root),
        )

    @property
    def api(self) -> Api:
        return ApiProvider(self.stacks, cwd=str(self.root)).api

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> Properties of every resource of one type (intrinsics resolved)."""
        found: dict[str, dict[str, Any]] = {}
        for stack in self.stacks:
            for logical_id, resource in stack.resources.items():
                if resource.get("Type") == resource_type:
                    found[logical_id] = resource.get("Properties", {})
        return found

    def code_folders(self) -> dict[str, tuple[Path, ...]]:
        """Function name -> its code folder and its layers' folders (without resolving anything else)."""
        return {
            fn.name: (Path(fn.codeuri), *(self.root / layer.codeuri for layer in fn.layers))
            for fn in self.function_provider.get_all()
            if fn.codeuri
        }

    def functions(self) -> dict[str, LocalFunction]:
        return {fn.name: self.function(fn.name) for fn in self.function_provider.get_all()}

    def function(self, name: str) -> LocalFunction:
        fn: Function | None = self.function_provider.get(name)
        if fn is None:
            raise KeyError(f"No function {name!r} in {self.template.name}")
        return LocalFunction.from_invoke_config(self._runner.get_invoke_config(fn), self.root)


def _layer_dir(codeuri: Path) -> Path:
    # A built layer keeps its modules under python/; a layer straight from source does not.
    return codeuri / "python" if (codeuri / "python").is_dir() else codeuri
