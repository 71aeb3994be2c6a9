"""What template.yaml must contain: runtime settings, the Links table, least privilege, logs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.template import functions, resources, template

# Each function, the table it may touch and the only actions it calls on it.
DYNAMODB_ACCESS = {
    "ShortenLinkFunction": ("LinksTable", {"dynamodb:PutItem"}),
    "RedirectLinkFunction": ("LinksTable", {"dynamodb:UpdateItem"}),
    "LinkStatsFunction": ("LinksTable", {"dynamodb:GetItem"}),
    "CreateTaskFunction": ("TasksTable", {"dynamodb:PutItem"}),
    "ListTasksFunction": ("TasksTable", {"dynamodb:Query"}),
    "GetTaskFunction": ("TasksTable", {"dynamodb:GetItem"}),
    "UpdateTaskFunction": ("TasksTable", {"dynamodb:UpdateItem"}),
    "DeleteTaskFunction": ("TasksTable", {"dynamodb:DeleteItem"}),
}
TABLE_VARIABLES = {"LinksTable": "LINKS_TABLE", "TasksTable": "TASKS_TABLE"}


def test_functions_run_python313_on_arm64_with_json_logs_and_tracing() -> None:
    globals_ = template()["Globals"]["Function"]

    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Tracing"] == "Active"
    assert globals_["LoggingConfig"]["LogFormat"] == "JSON"
    assert 128 <= globals_["MemorySize"] <= 1024
    assert globals_["Timeout"] <= 29  # below API Gateway's integration timeout


def test_every_function_is_in_the_access_table() -> None:
    assert set(functions()) == set(DYNAMODB_ACCESS)


@pytest.mark.parametrize("name", sorted(DYNAMODB_ACCESS))
def test_each_function_may_only_call_its_own_actions_on_its_own_table(name: str) -> None:
    table, actions = DYNAMODB_ACCESS[name]
    policies = functions()[name]["Properties"]["Policies"]

    statements = [statement for policy in policies for statement in policy["Statement"]]

    granted: set[str] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        statement_actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in statement_actions), statement
        assert statement["Resource"] == {"Fn::GetAtt": [table, "Arn"]}, statement
        granted.update(statement_actions)
    assert granted == actions


@pytest.mark.parametrize("name", sorted(DYNAMODB_ACCESS))
def test_each_function_gets_its_table_name_from_the_template(name: str) -> None:
    table, _ = DYNAMODB_ACCESS[name]
    variables = functions()[name]["Properties"]["Environment"]["Variables"]

    assert variables[TABLE_VARIABLES[table]] == {"Ref": table}
    assert set(TABLE_VARIABLES.values()) & set(variables) == {TABLE_VARIABLES[table]}


@pytest.mark.parametrize("name", sorted(DYNAMODB_ACCESS))
def test_each_function_has_a_log_group_with_retention(name: str) -> None:
    log_groups = [
        props["Properties"]
        for props in resources("AWS::Logs::LogGroup").values()
        if props["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
    ]

    assert len(log_groups) == 1
    assert log_groups[0]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_links_table_is_keyed_by_short_code_with_ttl_pitr_and_on_demand() -> None:
    table: dict[str, Any] = resources("AWS::DynamoDB::Table")["LinksTable"]["Properties"]

    assert table["KeySchema"] == [{"AttributeName": "shortCode", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_routes_match_the_links_contract() -> None:
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"]): name
        for name, function in functions().items()
        for event in function["Properties"]["Events"].values()
        if event["Type"] == "HttpApi"
    }

    assert routes == {
        ("POST", "/shorten"): "ShortenLinkFunction",
        ("GET", "/{shortCode}"): "RedirectLinkFunction",
        ("GET", "/links/{shortCode}"): "LinkStatsFunction",
        ("POST", "/users/{user_id}/tasks"): "CreateTaskFunction",
        ("GET", "/users/{user_id}/tasks"): "ListTasksFunction",
        ("GET", "/users/{user_id}/tasks/{task_id}"): "GetTaskFunction",
        ("PATCH", "/users/{user_id}/tasks/{task_id}"): "UpdateTaskFunction",
        ("PUT", "/users/{user_id}/tasks/{task_id}"): "UpdateTaskFunction",
        ("DELETE", "/users/{user_id}/tasks/{task_id}"): "DeleteTaskFunction",
    }


def test_tasks_table_is_keyed_by_user_and_task_with_a_stream_pitr_and_on_demand() -> None:
    table: dict[str, Any] = resources("AWS::DynamoDB::Table")["TasksTable"]["Properties"]

    assert table["KeySchema"] == [
        {"AttributeName": "user_id", "KeyType": "HASH"},
        {"AttributeName": "task_id", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"]["StreamViewType"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_api_has_cors_and_throttling_from_parameters() -> None:
    api = resources("AWS::Serverless::HttpApi")["HttpApi"]["Properties"]

    assert api["CorsConfiguration"]["AllowOrigins"] == {"Ref": "CorsAllowOrigins"}
    assert api["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
    }


def test_parameters_for_stage_expiry_and_short_url_base() -> None:
    parameters = template()["Parameters"]

    assert parameters["Stage"]["AllowedValues"] == ["dev", "prod"]
    assert parameters["DefaultExpiryDays"]["Default"] == 365
    assert parameters["ShortUrlBase"]["Default"] == ""


def test_outputs_name_the_api_url_and_table() -> None:
    assert {"ApiUrl", "LinksTableName", "TasksTableName", "UserPoolId", "UserPoolClientId"} <= set(
        template()["Outputs"]
    )
