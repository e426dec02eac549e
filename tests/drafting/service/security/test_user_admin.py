"""Admins manage users through the service; every change is in the run log."""

from __future__ import annotations

import pytest
from service_fixtures import PASSWORD

from drafting.service.facade import DraftingService, ServiceError


def test_admin_lists_adds_and_the_new_user_signs_in_with_the_generated_password(
    service: DraftingService,
) -> None:
    assert [u.name for u in service.users.list_users("a1")] == ["a1", "m1", "r1", "w1", "w2"]
    created = service.users.add_user("a1", "新同事", "reviewer")
    assert created.user == "新同事" and len(created.password) >= 12
    row = next(u for u in service.users.list_users("a1") if u.name == "新同事")
    assert (row.role, row.role_label, row.disabled) == ("reviewer", "审核人", False)
    assert service.sign_in.sign_in("新同事", created.password).ok
    [entry] = service.run_log.entries("a1", action="user_add").rows
    assert (entry.user, entry.target) == ("a1", "新同事")
    assert created.password not in entry.detail


def test_bad_input_gives_chinese_messages(service: DraftingService) -> None:
    with pytest.raises(ServiceError, match="已存在"):
        service.users.add_user("a1", "w1", "writer")
    with pytest.raises(ServiceError, match="角色"):
        service.users.add_user("a1", "x1", "boss")
    with pytest.raises(ServiceError, match="不能为空"):
        service.users.add_user("a1", "  ", "writer")
    with pytest.raises(ServiceError, match="不存在"):
        service.users.reset_password("a1", "nobody")


def test_disable_blocks_every_action_and_enable_restores(service: DraftingService) -> None:
    service.users.set_enabled("a1", "w1", False)
    assert next(u for u in service.users.list_users("a1") if u.name == "w1").disabled
    with pytest.raises(ServiceError, match="停用"):
        service.drafts.list_drafts("w1")
    assert not service.access.can("w1", "draft")
    service.users.set_enabled("a1", "w1", True)
    assert service.drafts.list_drafts("w1") == []
    actions = [e.action for e in service.run_log.entries("a1", user="a1").rows]
    assert actions == ["启用用户", "停用用户"]


def test_reset_password_shows_a_new_one_once_and_ends_sessions(service: DraftingService) -> None:
    token = service.sign_in.sign_in("w1", PASSWORD).token
    fresh = service.users.reset_password("a1", "w1")
    assert service.sign_in.session_user(token) is None
    assert not service.sign_in.sign_in("w1", PASSWORD).ok
    assert service.sign_in.sign_in("w1", fresh.password).ok
    assert fresh.password != service.users.reset_password("a1", "w1").password


def test_change_role(service: DraftingService) -> None:
    row = service.users.set_role("a1", "w2", "maintainer")
    assert row.role_label == "提示词维护人"
    assert service.access.can("w2", "edit_prompts") and not service.access.can("w2", "draft")
    [entry] = service.run_log.entries("a1", action="user_role").rows
    assert entry.detail == "起草人 → 提示词维护人"


def test_an_admin_cannot_lock_themselves_out(service: DraftingService) -> None:
    with pytest.raises(ServiceError, match="不能停用自己"):
        service.users.set_enabled("a1", "a1", False)
    with pytest.raises(ServiceError, match="不能取消自己的管理员"):
        service.users.set_role("a1", "a1", "writer")


@pytest.mark.parametrize("who", [None, "w1", "r1", "m1", "ghost"])
def test_only_admins_manage_users(service: DraftingService, who) -> None:
    for call in (
        lambda: service.users.list_users(who),
        lambda: service.users.add_user(who, "x2", "writer"),
        lambda: service.users.set_enabled(who, "w2", False),
        lambda: service.users.reset_password(who, "w2"),
        lambda: service.users.set_role(who, "w2", "admin"),
        lambda: service.run_log.entries(who),
    ):
        with pytest.raises(ServiceError):
            call()
    assert service.access.can("w2", "draft")
