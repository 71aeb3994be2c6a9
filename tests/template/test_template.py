"""What template.yaml must contain: runtime settings, the Links table, least privilege, logs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.template import functions, resources, template


def table(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# The attachments bucket is named by the same !Sub everywhere (a !Ref would make a cycle).
BUCKET_NAME = "${AWS::StackName}-attachments-${AWS::AccountId}-${AWS::Region}"
BUCKET = {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{BUCKET_NAME}"}


# Every SES identity of the account and region: SES checks verified recipients' identities too.
SES_IDENTITIES = {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}


def objects(*prefixes: str) -> Any:
    """The ARN (or list of ARNs) of the attachments bucket's objects under each prefix."""
    arns = [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{BUCKET_NAME}/{prefix}*"} for prefix in prefixes]
    return arns[0] if len(arns) == 1 else arns


# Exactly what each function may do: one (actions, resource) pair per policy statement.
# A new function, action or resource shows up here first, in review.
PERMISSIONS: dict[str, list[tuple[set[str], Any]]] = {
    "ShortenLinkFunction": [({"dynamodb:PutItem"}, table("LinksTable"))],
    "RedirectLinkFunction": [({"dynamodb:UpdateItem", "dynamodb:GetItem"}, table("LinksTable"))],
    "LinkStatsFunction": [({"dynamodb:BatchGetItem"}, table("LinksTable"))],
    "LinkQrCodeFunction": [({"dynamodb:GetItem"}, table("LinksTable"))],
    "WebPageFunction": [],
    "CreateTaskFunction": [({"dynamodb:PutItem"}, table("TasksTable"))],
    "ListTasksFunction": [({"dynamodb:Query"}, table("TasksTable"))],
    "GetTaskFunction": [
        ({"dynamodb:GetItem"}, table("TasksTable")),
        ({"s3:GetObject"}, objects("uploads/", "thumbnails/")),
    ],
    "UpdateTaskFunction": [({"dynamodb:UpdateItem"}, table("TasksTable"))],
    "DeleteTaskFunction": [({"dynamodb:DeleteItem"}, table("TasksTable"))],
    "CreateAttachmentFunction": [
        ({"dynamodb:UpdateItem"}, table("TasksTable")),
        ({"s3:PutObject", "s3:PutObjectTagging"}, objects("uploads/")),
    ],
    "ProcessUploadFunction": [
        ({"dynamodb:UpdateItem"}, table("TasksTable")),
        ({"s3:ListBucket"}, BUCKET),
        ({"s3:GetObject", "s3:PutObjectTagging"}, objects("uploads/")),
        ({"s3:PutObject"}, objects("thumbnails/")),
        ({"s3:DeleteObject"}, objects("uploads/", "thumbnails/")),
    ],
    "CleanupTaskFunction": [
        ({"s3:ListBucket"}, BUCKET),
        ({"s3:DeleteObject"}, objects("uploads/", "thumbnails/")),
    ],
    "QueueDueRemindersFunction": [
        ({"dynamodb:Query"}, {"Fn::Sub": "${TasksTable.Arn}/index/reminders-due"}),  # the index, not the table
        ({"sqs:SendMessage"}, {"Fn::GetAtt": ["ReminderQueue", "Arn"]}),
    ],
    "SendRemindersFunction": [
        ({"dynamodb:UpdateItem"}, table("TasksTable")),
        ({"ses:SendEmail"}, SES_IDENTITIES),  # from ReminderSender only: see the test below
        ({"cognito-idp:ListUsers"}, {"Fn::GetAtt": ["UserPool", "Arn"]}),  # with AuthMode=cognito only
    ],
}
# The table each function reads its name from, and the variable it reads.
TABLE_VARIABLES = {"LinksTable": "LINKS_TABLE", "TasksTable": "TASKS_TABLE"}
TABLES = {
    name: resource["Fn::GetAtt"][0]
    for name, statements in PERMISSIONS.items()
    for _, resource in statements
    if isinstance(resource, dict) and resource.get("Fn::GetAtt", [""])[0] in TABLE_VARIABLES
}


def test_functions_run_python313_on_arm64_with_json_logs_and_tracing() -> None:
    globals_ = template()["Globals"]["Function"]

    assert globals_["Runtime"] == "python3.13"
    # The Architecture parameter (tests/template/test_architecture.py), arm64 unless overridden.
    assert globals_["Architectures"] == [{"Ref": "Architecture"}]
    assert template()["Parameters"]["Architecture"]["Default"] == "arm64"
    assert globals_["Tracing"] == "Active"
    assert globals_["LoggingConfig"]["LogFormat"] == "JSON"
    assert 128 <= globals_["MemorySize"] <= 1024
    assert globals_["Timeout"] <= 29  # below API Gateway's integration timeout


def test_every_function_is_in_the_permissions_table() -> None:
    assert set(functions()) == set(PERMISSIONS)


@pytest.mark.parametrize("name", sorted(PERMISSIONS))
def test_each_function_may_do_exactly_what_it_needs_and_nothing_more(name: str) -> None:
    policies = functions()[name]["Properties"].get("Policies", [])

    statements = [unless_cognito_is_off(statement) for policy in policies for statement in policy["Statement"]]

    granted = []
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        assert statement["Resource"] != "*", statement
        granted.append((set(actions), statement["Resource"]))
    assert granted == PERMISSIONS[name]


def unless_cognito_is_off(statement: dict[str, Any]) -> dict[str, Any]:
    """A statement, or the one under `!If [UseCognito, statement, !Ref AWS::NoValue]`."""
    if "Fn::If" not in statement:
        return statement
    condition, present, absent = statement["Fn::If"]
    assert (condition, absent) == ("UseCognito", {"Ref": "AWS::NoValue"}), statement
    return dict(present)


def test_the_reminder_worker_may_send_from_the_configured_sender_only() -> None:
    (policy,) = functions()["SendRemindersFunction"]["Properties"]["Policies"]
    (ses,) = [statement for statement in policy["Statement"] if statement.get("Action") == "ses:SendEmail"]

    assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "ReminderSender"}}}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_function_gets_its_table_name_from_the_template(name: str) -> None:
    variables = functions()[name]["Properties"]["Environment"]["Variables"]

    assert variables[TABLE_VARIABLES[TABLES[name]]] == {"Ref": TABLES[name]}
    assert set(TABLE_VARIABLES.values()) & set(variables) == {TABLE_VARIABLES[TABLES[name]]}


@pytest.mark.parametrize("name", sorted(PERMISSIONS))
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
        ("GET", "/links/{shortCode}/qr.svg"): "LinkQrCodeFunction",
        ("GET", "/"): "WebPageFunction",
        ("POST", "/users/{user_id}/tasks"): "CreateTaskFunction",
        ("GET", "/users/{user_id}/tasks"): "ListTasksFunction",
        ("GET", "/users/{user_id}/tasks/{task_id}"): "GetTaskFunction",
        ("PATCH", "/users/{user_id}/tasks/{task_id}"): "UpdateTaskFunction",
        ("PUT", "/users/{user_id}/tasks/{task_id}"): "UpdateTaskFunction",
        ("DELETE", "/users/{user_id}/tasks/{task_id}"): "DeleteTaskFunction",
        ("POST", "/users/{user_id}/tasks/{task_id}/attachments"): "CreateAttachmentFunction",
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
