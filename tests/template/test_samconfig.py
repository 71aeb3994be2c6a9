"""samconfig.toml's environments deploy the template with parameters it accepts."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest

from tests.support.template import ROOT, template

CONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())


def overrides(environment: str) -> dict[str, str]:
    text = CONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in shlex.split(text))


@pytest.mark.parametrize("environment", ["default", "dev", "prod"])
def test_every_override_is_a_template_parameter_with_an_allowed_value(environment: str) -> None:
    parameters = template()["Parameters"]

    for name, value in overrides(environment).items():
        assert name in parameters, name
        spec = parameters[name]
        if "AllowedValues" in spec:
            assert value in [str(allowed) for allowed in spec["AllowedValues"]], (name, value)
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)


def test_environments_deploy_their_own_stage_and_stack() -> None:
    assert overrides("dev")["Stage"] == "dev"
    assert overrides("prod")["Stage"] == "prod"
    assert CONFIG["dev"]["global"]["parameters"]["stack_name"] != CONFIG["prod"]["global"]["parameters"]["stack_name"]


def test_prod_names_its_cors_origins() -> None:
    assert "*" not in overrides("prod")["CorsAllowOrigins"]


@pytest.mark.parametrize("environment", ["default", "dev", "prod"])
def test_deploys_acknowledge_the_transforms_and_iam(environment: str) -> None:
    capabilities = CONFIG[environment]["deploy"]["parameters"]["capabilities"].split()

    assert {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"} <= set(capabilities)
