"""Load a function from the template the way Lambda does, and invoke it in this process.

Each function module is called `app`, so it is imported by file path under its logical id,
after its own environment (from the template) is set, and never left in `sys.modules`.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from devkit.lambda_context import LambdaContext
from devkit.stack import LocalFunction

type Handler = Callable[[dict[str, Any], Any], Any]


def load_handler(function: LocalFunction) -> Handler:
    """Put the function's layers on the path and import its handler (its environment must be set)."""
    for layer in function.layer_dirs:
        if str(layer) not in sys.path:
            sys.path.insert(0, str(layer))
    module_name = f"lambda_function_{function.name}"
    spec = importlib.util.spec_from_file_location(module_name, function.module_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot load {function.module_file}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(function.code_dir))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(function.code_dir))
    handler: Handler = getattr(module, function.handler_name)
    return handler


def invoke(function: LocalFunction, handler: Handler, event: dict[str, Any]) -> Any:
    context = LambdaContext(function.name, function.memory, function.timeout)
    return handler(event, context)
