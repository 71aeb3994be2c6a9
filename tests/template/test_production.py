"""What a careful platform team asks of the deployed stack, checked on the rendered template:
prod with Cognito and dev without auth, as CloudFormation would create them."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from tests.support.rendered import rendered, transformed

PROD = {"AuthMode": "cognito", "Stage": "prod", "CorsAllowOrigins": "https://app.example.com"}
DEV = {"AuthMode": "none", "Stage": "dev"}
STATEFUL = ("LinksTable", "TasksTable", "AttachmentsBucket")
# AWS-managed policies SAM attaches; each uses "*" where the service has no resource-level
# permissions (X-Ray, and log groups created on first write), for stream discovery, or for the
# queue an SQS event source polls (SAM offers no way to scope its policy to the queue).
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
}


@cache
def _rendered(parameters: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return rendered(dict(parameters))


def stack(parameters: dict[str, str]) -> dict[str, Any]:
    return _rendered(tuple(sorted(parameters.items())))


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def test_prod_keeps_data_when_the_stack_or_a_resource_goes() -> None:
    resources = stack(PROD)["Resources"]

    for name in STATEFUL:
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name
    for name in ("LinksTable", "TasksTable"):
        assert resources[name]["Properties"]["DeletionProtectionEnabled"] is True, name
    bucket = resources["AttachmentsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireOldVersions"]["Status"] == "Enabled"


def test_dev_can_be_deleted_cleanly() -> None:
    resources = stack(DEV)["Resources"]

    for name in STATEFUL:
        assert resources[name]["DeletionPolicy"] == "Delete", name
    for name in ("LinksTable", "TasksTable"):
        assert resources[name]["Properties"]["DeletionProtectionEnabled"] is False, name
    assert "VersioningConfiguration" not in resources["AttachmentsBucket"]["Properties"]


@pytest.mark.parametrize("parameters", [PROD, DEV], ids=["prod", "dev"])
def test_every_table_has_point_in_time_recovery_and_encryption(parameters: dict[str, str]) -> None:
    for name, table in of_type(stack(parameters), "AWS::DynamoDB::Table").items():
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}, name


def test_prod_with_cognito_has_the_user_pool_and_dev_without_auth_has_none() -> None:
    assert of_type(stack(PROD), "AWS::Cognito::UserPool")
    assert of_type(stack(PROD), "AWS::Cognito::UserPoolClient")
    assert not of_type(stack(DEV), "AWS::Cognito::UserPool")


@pytest.mark.parametrize("parameters", [PROD, DEV], ids=["prod", "dev"])
def test_every_function_is_traced_logs_json_to_its_own_group_and_is_alarmed(parameters: dict[str, str]) -> None:
    template = stack(parameters)
    functions = of_type(template, "AWS::Lambda::Function")
    log_groups = [
        group["Properties"].get("LogGroupName") for group in of_type(template, "AWS::Logs::LogGroup").values()
    ]
    alarmed = json.dumps(of_type(template, "AWS::CloudWatch::Alarm"))

    assert len(functions) == 15
    for name, function in functions.items():
        properties = function["Properties"]
        assert properties["TracingConfig"] == {"Mode": "Active"}, name
        assert properties["LoggingConfig"]["LogFormat"] == "JSON", name
        assert {"Fn::Sub": f"/aws/lambda/${{{name}}}"} in log_groups, name
        for metric in ("Errors", "Throttles"):
            assert (
                f'"MetricName": "{metric}", "Dimensions": [{{"Name": "FunctionName", "Value": {{"Ref": "{name}"}}}}]'
                in alarmed
            ), (name, metric)


def test_every_log_group_keeps_logs_for_the_retention_parameter() -> None:
    template = stack(DEV)
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    for name, group in of_type(template, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_alarm_notifies_the_alarm_topic() -> None:
    template = stack(PROD)
    alarms = of_type(template, "AWS::CloudWatch::Alarm")

    assert {
        "Api5xxRateAlarm",
        "RedirectLatencyAlarm",
        "UploadFailuresAlarm",
        "ReminderDeadLetterAlarm",
        "RemindersRejectedAlarm",
    } <= set(alarms)
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    assert "AlarmEmailSubscription" not in template["Resources"]  # only with an AlarmEmail
    assert "AlarmEmailSubscription" in stack({**PROD, "AlarmEmail": "ops@example.com"})["Resources"]


def test_cloudwatch_can_publish_to_the_alarm_topic() -> None:
    # A topic under SNS's AWS managed key drops every alarm: CloudWatch needs a key policy that
    # names it, and only a customer managed key has one to give.
    topic = stack(PROD)["Resources"]["AlarmTopic"].get("Properties", {})

    assert not str(topic.get("KmsMasterKeyId", "")).startswith("alias/aws/")


def test_api_is_throttled_and_logs_every_request_as_json() -> None:
    api = stack(PROD)["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]

    assert api["DefaultRouteSettings"]["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    access_log_format = json.loads(api["AccessLogSettings"]["Format"])
    assert {"requestId", "status", "routeKey", "latencyMs"} <= set(access_log_format)


def test_prod_refuses_an_open_cors_policy() -> None:
    rule = transformed(PROD)["Rules"]["ProdCorsIsNotOpen"]

    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Contains": [{"Ref": "CorsAllowOrigins"}, "*"]}]}


def test_there_is_a_dashboard_for_both_products() -> None:
    body = json.dumps(stack(PROD)["Resources"]["Dashboard"]["Properties"]["DashboardBody"])

    for metric in ("Redirects", "LinksCreated", "RedirectsNotFound", "TasksCreated", "UploadsRejected"):
        assert metric in body, metric


@pytest.mark.parametrize("parameters", [PROD, DEV], ids=["prod", "dev"])
def test_no_role_grants_a_wildcard_action_or_resource(parameters: dict[str, str]) -> None:
    roles = of_type(stack(parameters), "AWS::IAM::Role")

    assert roles
    for name, role in roles.items():
        assert set(role["Properties"].get("ManagedPolicyArns", [])) <= MANAGED_POLICIES, name
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                assert not any("*" in action for action in actions), (name, statement)
                assert "*" not in resources, (name, statement)


@pytest.mark.parametrize("parameters", [PROD, DEV], ids=["prod", "dev"])
def test_deployed_functions_use_aws_own_endpoints(parameters: dict[str, str]) -> None:
    # EndpointUrl exists for `make sam-local` only; left empty, no function gets an override.
    for name, function in of_type(stack(parameters), "AWS::Lambda::Function").items():
        assert "AWS_ENDPOINT_URL" not in function["Properties"]["Environment"]["Variables"], name
