"""The owner check (common.auth) and how a route declares who may call it (common.http.api_handler)."""

from __future__ import annotations

import pytest

from common import auth, errors, http

PATH = {"user_id": "alice", "task_id": "01JDX3Q8V2M7Z5K9N4R6T8W0YA"}


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_MODE", "cognito")


@pytest.mark.usefixtures("cognito")
def test_the_user_the_path_names_may_act() -> None:
    auth.check_owner("user_id", PATH, {"sub": "alice"})


@pytest.mark.usefixtures("cognito")
@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}])
def test_no_identity_is_401(claims: dict[str, str] | None) -> None:
    with pytest.raises(errors.Unauthorized):
        auth.check_owner("user_id", PATH, claims)


@pytest.mark.usefixtures("cognito")
def test_someone_else_is_403() -> None:
    with pytest.raises(errors.Forbidden):
        auth.check_owner("user_id", PATH, {"sub": "bob"})


@pytest.mark.usefixtures("cognito")
def test_a_route_naming_a_parameter_its_path_lacks_fails_closed() -> None:
    with pytest.raises(LookupError, match=r"declares owner \{userId\}"):
        auth.check_owner("userId", PATH, {"sub": "alice"})


def test_with_auth_mode_none_anyone_may_act(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_MODE", "none")

    auth.check_owner("user_id", PATH, {"sub": "bob"})


@pytest.mark.parametrize("declaration", [{}, {"owner": "user_id", "public": True}], ids=["neither", "both"])
def test_a_route_must_declare_exactly_one_kind_of_access(declaration: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="exactly one of owner="):
        http.api_handler(**declaration)  # type: ignore[arg-type]
