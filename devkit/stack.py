"""The application as template.yaml describes it, read through SAM CLI's own providers.

These are SAM CLI internals (pinned in requirements-dev.txt, checked by
tests/devserver/test_sam_seam.py): the same code `sam local start-api` uses to resolve
parameters, intrinsics, layers and environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.intrinsic_resolver.intrinsic_property_resolver import IntrinsicResolver
from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Api, Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LOCAL_PARAMETERS = {"AuthMode": "none"}
NO_VALUE = {"Ref": "AWS::NoValue"}


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
        self.parameters = {**LOCAL_PARAMETERS, **(parameters or {})}
        self.stacks, _ = SamLocalStackProvider.get_stacks(
            template_file=str(template), parameter_overrides=self.parameters
        )
        self.function_provider = SamFunctionProvider(self.stacks)
        # SAM CLI resolves no `Fn::If` in a function's environment: it passes "" instead (`sam local`
        # does too). These overrides, in the format of its `--env-vars` file, give each such variable
        # what CloudFormation would; every runner of the stack's functions takes them
        # (`LocalLambdaRunner(env_vars_values=stack.environment_overrides)`).
        # (SAM keeps the dict it is given only when it is not empty: it is filled first.)
        self.environment_overrides: dict[str, dict[str, str]] = {}
        self.use_resource_ids({})
        self._runner = LocalLambdaRunner(
            local_runtime=None,  # only used here to resolve environments, never to invoke
            function_provider=self.function_provider,
            cwd=str(self.root),
            real_path=str(self.root),
            env_vars_values=self.environment_overrides,
        )

    @property
    def api(self) -> Api:
        return ApiProvider(self.stacks, cwd=str(self.root)).api

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> Properties of every resource of one type that exists with these parameters
        (a resource whose `Condition` is false does not), intrinsics resolved as far as SAM does."""
        found: dict[str, dict[str, Any]] = {}
        for stack in self.stacks:
            for logical_id, resource in stack.resources.items():
                if resource.get("Type") == resource_type and self.conditions.get(resource.get("Condition"), True):
                    found[logical_id] = resource.get("Properties", {})
        return found

    @cached_property
    def conditions(self) -> dict[str, bool]:
        """The root template's conditions, evaluated for these parameters."""
        resolver = self._resolver
        conditions = self.stacks[0].template_dict.get("Conditions", {})
        return {
            name: bool(resolver.intrinsic_property_resolver(rule, ignore_errors=False))
            for name, rule in conditions.items()
        }

    def resolve(self, value: Any) -> Any:
        """A template value as CloudFormation would deploy it with these parameters.

        SAM resolves intrinsics in resources when it can and leaves a whole property as written
        when it cannot: an `Fn::If` with an `AWS::NoValue` branch, as in the HttpApi's
        DefinitionBody, stays unresolved. Here `Fn::If` takes its branch, `AWS::NoValue` removes
        its key or list item, and SAM's resolver does the rest (a `Ref` to a resource gives its
        logical id, as everywhere in SAM's local tools).
        """
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item != NO_VALUE]
        if not isinstance(value, dict) or value == NO_VALUE:
            return value
        if set(value) == {"Fn::If"}:
            name, if_true, if_false = value["Fn::If"]
            return self.resolve(if_true if self.conditions[name] else if_false)
        keys = list(value)
        if len(keys) == 1 and (keys[0] == "Ref" or keys[0].startswith("Fn::")):
            return self._resolver.intrinsic_property_resolver(value, ignore_errors=False)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item != NO_VALUE}

    def use_resource_ids(self, ids: Mapping[str, str]) -> None:
        """Resolve the functions' conditional variables, naming a resource by `ids[logical id]` where
        the emulator chose its name (a user pool's id) and by its logical id otherwise, as SAM does.
        Updates `environment_overrides` in place, so runners made earlier see the names too."""
        overrides: dict[str, dict[str, str]] = {}
        for name, props in self.resources("AWS::Serverless::Function").items():
            for variable, value in ((props.get("Environment") or {}).get("Variables") or {}).items():
                if isinstance(value, dict) and "Fn::If" in value:
                    resolved = self.resolve(value)
                    text = "" if resolved == NO_VALUE else str(resolved)  # SAM passes every declared variable
                    overrides.setdefault(name, {})[variable] = ids.get(text, text)
        self.environment_overrides.clear()
        self.environment_overrides.update(overrides)

    @cached_property
    def _resolver(self) -> IntrinsicResolver:
        template = self.stacks[0].template_dict
        defaults = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
        symbols = IntrinsicsSymbolTable(logical_id_translator={**defaults, **self.parameters}, template=template)
        return IntrinsicResolver(template=template, symbol_resolver=symbols)

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
