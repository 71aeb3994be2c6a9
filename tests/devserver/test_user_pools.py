"""The template's user pool and app client on the emulator (`AuthMode=cognito`), from their own properties."""

from __future__ import annotations

from devkit.emulator import Emulator
from devkit.local_aws import cognito_idp_client
from devkit.stack import Stack


def test_the_user_pool_and_its_client_come_from_their_template_properties(
    emulator: Emulator, cognito_template: Stack, pools: dict[str, str]
) -> None:
    cognito = cognito_idp_client(emulator.endpoint)
    (pool_props,) = cognito_template.resources("AWS::Cognito::UserPool").values()
    (client_props,) = cognito_template.resources("AWS::Cognito::UserPoolClient").values()

    pool = cognito.describe_user_pool(UserPoolId=pools["UserPool"])["UserPool"]
    client = cognito.describe_user_pool_client(UserPoolId=pools["UserPool"], ClientId=pools["UserPoolClient"])

    assert pool["Policies"]["PasswordPolicy"] == pool_props["Policies"]["PasswordPolicy"]
    assert pool["UsernameAttributes"] == ["email"]
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == client_props["ExplicitAuthFlows"]
    assert client["UserPoolClient"]["ClientName"] == "UserPoolClient"


def test_the_ids_are_the_same_each_time_the_pool_is_created(
    emulator: Emulator, cognito_template: Stack, pools: dict[str, str]
) -> None:
    emulator.reset()

    assert emulator.create_resources(cognito_template) == pools


def test_auth_none_has_no_user_pool(emulator: Emulator, stack: Stack) -> None:
    emulator.reset()

    assert emulator.create_resources(stack) == {}
    assert cognito_idp_client(emulator.endpoint).list_user_pools(MaxResults=10)["UserPools"] == []
