"""pipeline/github-deploy-role.yaml: who can assume its roles, and that they grant what deploying the
app needs (as CloudFormation's own resource handlers list it) and little more."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import pytest

from tests.pipeline import workflow
from tests.pipeline.deploy_role import (
    ROLE_TEMPLATE_FILE,
    Deployment,
    Request,
    allowed,
    granted_actions,
    template,
    wildcard_match,
)
from tests.pipeline.tools import BIN, run
from tests.support.rendered import transformed
from tests.support.template import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
REPOSITORY = "octo-org/octo-repo"
DEV = Deployment({"GitHubRepository": REPOSITORY, "Stage": "dev", "AppStackName": "serverless-ref-app-dev"})
# The app with every optional part on: what the execution role must be able to build.
ALL_OF_THE_APP = {
    "AuthMode": "cognito",
    "Stage": "prod",
    "CorsAllowOrigins": "https://app.example.com",
    "AlarmEmail": "ops@example.com",
}
TOKEN = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::{DEV.account}:oidc-provider/{TOKEN}"
# The claims of a token from this repository's main branch, for a job in the dev environment.
DEV_ON_MAIN = {
    f"{TOKEN}:aud": "sts.amazonaws.com",
    f"{TOKEN}:sub": f"repo:{REPOSITORY}:environment:dev",
    f"{TOKEN}:ref": "refs/heads/main",
}

# Names in CloudFormation's handler lists that are API operations, not IAM actions, and the IAM
# action that authorizes each (None: nothing to grant).
API_OPERATIONS = {
    "s3:DeleteBucketCors": "s3:PutBucketCORS",
    "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "s3:DeleteBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
    "s3:DeleteBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
    "s3:DeleteBucketReplication": "s3:PutReplicationConfiguration",
    "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
    "s3:PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "s3:GetObjectMetadata": "s3:GetObject",
    "apigateway:TagResource": "apigateway:POST",
    "apigateway:UntagResource": "apigateway:DELETE",
    "lambda:AssociateRuntimeAlias": None,
    "s3:REST.PUT.OBJECT": None,
}


@cache
def iam_reference() -> dict[str, Any]:
    """AWS's Service Authorization Reference as cfn-lint ships it: service -> Actions, Resources."""
    reference: dict[str, Any] = json.loads(
        (resources.files("cfnlint.data.AdditionalSpecs") / "Policies.json").read_text()
    )
    return reference


@cache
def handler_permissions(resource_type: str) -> set[str]:
    """What CloudFormation's handlers may call to create, read, update and delete a resource type."""
    index = json.loads((resources.files("cfnlint.data.schemas.providers") / "us-east-1.json").read_text())
    schema_file = resources.files("cfnlint.data.schemas.resources") / f"{index[resource_type]}.json"
    schema = json.loads(schema_file.read_text())
    return {
        permission
        for handler in ("create", "read", "update", "delete")
        for permission in schema["handlers"].get(handler, {}).get("permissions", [])
    }


def is_iam_action(action: str) -> bool:
    service, name = action.lower().split(":", 1)
    return name in iam_reference().get(service, {}).get("Actions", {})


def execution_role_policies() -> list[dict[str, Any]]:
    return DEV.role_policies("CloudFormationExecutionRole")


def deploy_role_policies() -> list[dict[str, Any]]:
    return DEV.role_policies("DeployRole")


def not_granted() -> dict[str, str]:
    reasons: dict[str, str] = template()["Resources"]["CloudFormationExecutionRole"]["Metadata"]["NotGranted"]
    return reasons


def beyond_the_handlers() -> dict[str, str]:
    reasons: dict[str, str] = template()["Resources"]["CloudFormationExecutionRole"]["Metadata"]["BeyondTheHandlers"]
    return reasons


@cache
def app_resources() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = transformed(ALL_OF_THE_APP)["Resources"]
    return resources


def app_resource_types() -> set[str]:
    return {resource["Type"] for resource in app_resources().values()}


def handler_listed_actions() -> set[str]:
    """Every IAM action the handlers of the app's resource types list, lower-case."""
    return {(API_OPERATIONS.get(p, p) or "").lower() for t in app_resource_types() for p in handler_permissions(t)}


# --- The tools ---------------------------------------------------------------------------------------


def test_cfn_lint_reports_nothing() -> None:
    # cfn-lint also checks that every action in the policies exists (W3037).
    result = run(str(BIN / "cfn-lint"), str(ROLE_TEMPLATE_FILE))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_checkov_has_no_failed_check() -> None:
    assert CHECKOV.exists(), "checkov lives in its own venv: run `make checkov` (make test does)"

    # Run from pipeline/ so that the app's .checkov.yaml (skips for template.yaml) does not apply.
    result = run(
        str(CHECKOV), "-f", ROLE_TEMPLATE_FILE.name, "--framework", "cloudformation", "--skip-download",
        "--output", "json", cwd=ROLE_TEMPLATE_FILE.parent,
    )  # fmt: skip

    report = json.loads(result.stdout)
    failed = [(check["check_id"], check["resource"]) for check in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 30
    assert result.returncode == 0, result.stderr


def test_every_checkov_skip_says_why() -> None:
    skips = [
        (name, skip)
        for name, resource in template()["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]

    assert skips
    for name, skip in skips:
        assert len(skip.get("comment", "")) > 20, (name, skip)


# --- Who can assume the roles -----------------------------------------------------------------------


def test_only_this_repositorys_branch_in_the_stages_environment_can_assume_the_deploy_role() -> None:
    (statement,) = DEV.resources()["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": PROVIDER}
    # Exact values only: no StringLike, no ForAnyValue/ForAllValues (true when a claim is missing).
    assert statement["Condition"] == {"StringEquals": DEV_ON_MAIN}


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": f"repo:{REPOSITORY}:environment:prod", "ref": "refs/heads/main"},
        {"sub": f"repo:{REPOSITORY}:environment:dev", "ref": "refs/heads/feature"},
        {"sub": f"repo:{REPOSITORY}:pull_request", "ref": "refs/pull/1/merge"},
        {"sub": f"repo:{REPOSITORY}:ref:refs/heads/main", "ref": "refs/heads/main"},
        {"sub": "repo:someone/fork:environment:dev", "ref": "refs/heads/main"},
        {"sub": f"repo:{REPOSITORY}:environment:dev"},
    ],
    ids=["other-stage", "other-branch", "pull-request", "job-without-environment", "other-repository", "no-ref"],
)
def test_the_dev_deploy_role_refuses_other_tokens(claims: dict[str, str]) -> None:
    trust = [_as_identity_policy(DEV.resources()["DeployRole"]["Properties"]["AssumeRolePolicyDocument"])]
    other = {f"{TOKEN}:aud": "sts.amazonaws.com", **{f"{TOKEN}:{key}": value for key, value in claims.items()}}

    assert allowed(trust, Request("sts:AssumeRoleWithWebIdentity", PROVIDER, DEV_ON_MAIN))
    assert not allowed(trust, Request("sts:AssumeRoleWithWebIdentity", PROVIDER, other))


def test_the_role_stages_are_the_workflows_deploy_environments_and_branch() -> None:
    environments = {job["environment"] for job in workflow.deploy_jobs().values()}
    parameters = template()["Parameters"]

    assert environments == set(parameters["Stage"]["AllowedValues"]) == {"dev", "prod"}
    assert workflow.triggers()["push"]["branches"] == [parameters["GitHubBranch"]["Default"]]


def test_an_account_with_a_github_provider_reuses_it() -> None:
    second_stage = Deployment({**DEV.parameters, "Stage": "prod", "OidcProviderArn": PROVIDER})

    assert "GitHubOidcProvider" in DEV.resources()
    assert "GitHubOidcProvider" not in second_stage.resources()
    trust = second_stage.resources()["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Federated": PROVIDER}


def test_only_cloudformation_can_assume_the_execution_role() -> None:
    trust = DEV.resources()["CloudFormationExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]

    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


# --- What the deploy role can do ---------------------------------------------------------------------


def test_the_deploy_role_changes_the_stack_only_through_the_execution_role() -> None:
    stack = f"arn:aws:cloudformation:eu-west-1:{DEV.account}:stack/serverless-ref-app-dev/0123-abcd"
    role = DEV.attribute("CloudFormationExecutionRole", "Arn")
    policies = deploy_role_policies()

    assert allowed(policies, Request("cloudformation:CreateChangeSet", stack, {"cloudformation:RoleArn": role}))
    assert not allowed(policies, Request("cloudformation:CreateChangeSet", stack))
    assert allowed(policies, Request("iam:PassRole", role, {"iam:PassedToService": "cloudformation.amazonaws.com"}))
    assert not allowed(policies, Request("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}))


def test_the_deploy_role_cannot_touch_another_stack_or_the_apps_resources() -> None:
    policies = deploy_role_policies()
    prod = f"arn:aws:cloudformation:eu-west-1:{DEV.account}:stack/serverless-ref-app-prod/0123-abcd"
    role = DEV.attribute("CloudFormationExecutionRole", "Arn")

    assert not allowed(policies, Request("cloudformation:ExecuteChangeSet", prod))
    assert not allowed(policies, Request("cloudformation:CreateChangeSet", prod, {"cloudformation:RoleArn": role}))
    assert not allowed(policies, Request("cloudformation:DeleteStack", prod.replace("prod", "dev")))
    function = f"arn:aws:lambda:eu-west-1:{DEV.account}:function:serverless-ref-app-dev-ShortenLinkFunction-X"
    assert not allowed(policies, Request("lambda:UpdateFunctionCode", function))
    assert not allowed(policies, Request("s3:GetObject", "arn:aws:s3:::serverless-ref-app-dev-attachments-x/uploads/a"))


# --- What the execution role can do ------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", sorted(app_resource_types()))
def test_the_execution_role_grants_what_cloudformation_needs_for_each_app_resource_type(resource_type: str) -> None:
    granted = granted_actions(execution_role_policies())
    skipped = not_granted()
    missing = []
    for permission in sorted(handler_permissions(resource_type)):
        action = API_OPERATIONS.get(permission, permission)
        if action is None or any(wildcard_match(key, action, ignore_case=True) for key in skipped):
            continue
        assert is_iam_action(action), f"{permission}: add what authorizes it to API_OPERATIONS"
        if not any(wildcard_match(pattern, action, ignore_case=True) for pattern in granted):
            missing.append(permission)

    assert missing == [], f"{resource_type}: grant these or add them to NotGranted with a reason"


def test_what_the_execution_role_does_not_grant_is_not_granted_and_still_listed_by_a_handler() -> None:
    granted = granted_actions(execution_role_policies())
    listed = handler_listed_actions()

    for key, reason in not_granted().items():
        assert len(reason) > 15, key
        assert not any(wildcard_match(key, action, ignore_case=True) for action in granted), key
        assert any(wildcard_match(key, action, ignore_case=True) for action in listed), f"{key}: no handler needs it"


def test_the_execution_role_grants_nothing_the_handlers_do_not_list_unless_it_says_why() -> None:
    granted = {action.lower() for action in granted_actions(execution_role_policies())}
    beyond = {action.lower(): reason for action, reason in beyond_the_handlers().items()}

    assert granted - handler_listed_actions() == set(beyond)
    for action, reason in beyond.items():
        assert len(reason) > 15, action


def test_every_statements_actions_and_resources_fit_each_other() -> None:
    """In each statement, every action applies to one of its resources and every resource is one
    that one of its actions applies to (by the ARN formats IAM documents); "*" only for actions
    that take no resource, or with a condition that names the resource."""
    for document in execution_role_policies() + deploy_role_policies():
        for statement in document["Statement"]:
            actions, resources = _as_list(statement["Action"]), _as_list(statement["Resource"])
            if resources == ["*"]:
                for action in actions:
                    assert not _arn_formats(action) or statement.get("Condition"), (statement["Sid"], action)
                continue
            fits = {(a, r) for a in actions for r in resources if any(_arn_fits(r, f) for f in _arn_formats(a))}
            if statement["Sid"] == "RunTheTemplatesTransforms":  # documented by CloudFormation, not in IAM's list
                fits = {(a, r) for a in actions for r in resources if ":aws:transform/" in r}
            for action in actions:
                assert any(a == action for a, _ in fits), (statement["Sid"], action, "fits none of", resources)
            for resource in resources:
                assert any(r == resource for _, r in fits), (statement["Sid"], resource, "fits none of", actions)


def test_the_execution_role_manages_only_resources_named_after_the_app_stack() -> None:
    stack = "serverless-ref-app-dev"
    layer = f"arn:aws:lambda:eu-west-1:{DEV.account}:layer:CommonLayer"
    shared = {"*", layer, f"{layer}:*"}
    for document in execution_role_policies():
        for statement in document["Statement"]:
            for resource in _as_list(statement["Resource"]):
                scoped = f"{stack}-" in resource or resource.endswith(f"/{stack}") or resource in shared
                scoped = scoped or resource.startswith(DEV.attribute("ArtifactsBucket", "Arn"))
                scoped = scoped or ":apigateway:eu-west-1::/" in resource or ":userpool/*" in resource
                scoped = scoped or resource.endswith(":event-source-mapping:*")
                assert scoped, (statement["Sid"], resource)


# The property that names each resource type the app creates (None: it has no name of its own).
NAME_PROPERTIES = {
    "AWS::ApiGatewayV2::Api": "Name",
    "AWS::ApiGatewayV2::Stage": None,
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::Cognito::UserPool": "UserPoolName",
    "AWS::Cognito::UserPoolClient": None,
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Events::Rule": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::EventInvokeConfig": None,
    "AWS::Lambda::EventSourceMapping": None,
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Lambda::Permission": None,
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::S3::BucketPolicy": None,
    "AWS::SNS::Subscription": None,
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
}


def test_the_names_the_policies_expect_are_the_names_the_app_gets() -> None:
    """The execution role finds the app's resources by name: the stack name in front (what
    CloudFormation generates, and what the template spells out), the shared layer's name, and the
    AWS managed policies SAM attaches. A resource named any other way would be out of its reach."""
    app = app_resources()
    roles = [r["Properties"] for r in app.values() if r["Type"] == "AWS::IAM::Role"]
    managed = {arn for role in roles for arn in role["ManagedPolicyArns"]}
    statements = [s for document in execution_role_policies() for s in document["Statement"]]
    (attachable,) = [s for s in statements if s["Sid"] == "FunctionRolesManagedPolicies"]

    assert app_resource_types() <= set(NAME_PROPERTIES), "say which property names the new resource type"
    for logical_id, resource in app.items():
        name = resource.get("Properties", {}).get(NAME_PROPERTIES[resource["Type"]] or "", "${AWS::StackName}-")
        name = name.get("Fn::Sub", name) if isinstance(name, dict) else name
        assert (
            name.startswith("${AWS::StackName}")
            or (resource["Type"] == "AWS::Logs::LogGroup" and re.fullmatch(r"/aws/lambda/\$\{\w+Function\}", name))
            or (resource["Type"] == "AWS::Lambda::LayerVersion" and name == "CommonLayer")
        ), (logical_id, name)
    assert managed == set(attachable["Condition"]["ArnEquals"]["iam:PolicyARN"])


def test_the_role_passes_the_apps_function_roles_to_lambda_only() -> None:
    policies = execution_role_policies()
    function_role = f"arn:aws:iam::{DEV.account}:role/serverless-ref-app-dev-ShortenLinkFunctionRole-ABC"
    other_role = f"arn:aws:iam::{DEV.account}:role/AdminRole"
    to_lambda = {"iam:PassedToService": "lambda.amazonaws.com"}

    assert allowed(policies, Request("iam:PassRole", function_role, to_lambda))
    assert not allowed(policies, Request("iam:PassRole", function_role, {"iam:PassedToService": "ec2.amazonaws.com"}))
    assert not allowed(policies, Request("iam:PassRole", other_role, to_lambda))
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert not allowed(policies, Request("iam:AttachRolePolicy", function_role, {"iam:PolicyARN": admin}))


def test_every_policy_fits_iams_size_limits() -> None:
    """IAM refuses a managed policy over 6,144 characters and a role's inline policies over 10,240
    (whitespace not counted): measured with the longest partition, region and stack name."""
    longest = Deployment(
        {"GitHubRepository": "an-organisation-name/a-repository-name", "Stage": "prod", "AppStackName": "a" * 23},
        stack_name="a-long-pipeline-stack-name-for-the-prod-stage",
        partition="aws-us-gov",
        region="ap-southeast-7",
    )
    resources = longest.resources()

    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert len(_minified(resource["Properties"]["PolicyDocument"])) <= 6144, name
        if resource["Type"] == "AWS::IAM::Role":
            inline = [policy["PolicyDocument"] for policy in resource["Properties"].get("Policies", [])]
            assert sum(len(_minified(document)) for document in inline) <= 10240, name


def _arn_formats(action: str) -> list[str]:
    service, name = action.lower().split(":", 1)
    kinds = iam_reference()[service]["Actions"][name].get("Resources", [])
    return [f for kind in kinds for f in iam_reference()[service]["Resources"][kind.lower()]["ARNFormats"]]


def _arn_fits(resource: str, arn_format: str) -> bool:
    """Whether an ARN (with IAM wildcards) lies within a documented format, e.g.
    arn:${Partition}:lambda:${Region}:${Account}:function:.*"""
    pattern = re.sub(r"\\\$\\\{[A-Za-z]+\\\}", "[^:]*", re.escape(arn_format)).replace(r"\.\*", ".*")
    return re.fullmatch(pattern, resource) is not None


def _as_identity_policy(trust: dict[str, Any]) -> dict[str, Any]:
    """A trust policy's statements with their principal as the resource, to evaluate them alike."""
    return {
        "Statement": [
            {**s, "Resource": s["Principal"].get("Federated", "*")} for s in trust["Statement"] if "Principal" in s
        ]
    }


def _minified(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
