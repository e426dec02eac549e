"""Sign-in limits and session expiry, with a clock the test moves (no sleeping)."""

from __future__ import annotations

import pytest
from service_fixtures import PASSWORD, make_service

from drafting.service.facade import DraftingService
from drafting.service.security.sign_in import wait_text
from drafting.settings import SecuritySettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


LIMITS = SecuritySettings(
    session_idle_minutes=30,
    session_max_hours=8,
    sign_in_window_minutes=15,
    sign_in_failures_per_user=3,
    sign_in_failures_per_client=5,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(settings, tmp_path, clock) -> DraftingService:
    return make_service(
        settings.model_copy(update={"security": LIMITS}), tmp_path, kb=lambda: None, clock=clock
    )


def _entries(service: DraftingService, action: str) -> list:
    return service.run_log.entries("a1", action=action).rows


def test_a_good_password_starts_a_session_and_is_logged(service: DraftingService) -> None:
    outcome = service.sign_in.sign_in("w1", PASSWORD, "10.0.0.7")
    assert outcome.ok and outcome.token and outcome.user == "w1"
    assert service.sign_in.session_user(outcome.token) == "w1"
    [entry] = _entries(service, "sign_in")
    assert (entry.user, entry.target, entry.ok) == ("w1", "10.0.0.7", True)


def test_too_many_failures_for_one_user_wait_with_a_chinese_message(service: DraftingService, clock) -> None:
    for _ in range(3):
        outcome = service.sign_in.sign_in("w1", "wrong-password", "10.0.0.7")
        assert not outcome.ok and not outcome.blocked and "不正确" in outcome.message
    blocked = service.sign_in.sign_in("w1", PASSWORD, "10.0.0.8")  # right password, other address
    assert blocked.blocked and not blocked.ok and blocked.token is None
    assert blocked.message == "登录失败次数过多，请 15 分钟后再试。"
    # Other users are not affected.
    assert service.sign_in.sign_in("w2", PASSWORD, "10.0.0.8").ok
    clock.advance(14 * 60)
    assert (
        service.sign_in.sign_in("w1", PASSWORD, "10.0.0.8").message == "登录失败次数过多，请 1 分钟后再试。"
    )
    clock.advance(50)
    assert service.sign_in.sign_in("w1", PASSWORD, "10.0.0.8").message == "登录失败次数过多，请 10 秒后再试。"
    clock.advance(11)
    assert service.sign_in.sign_in("w1", PASSWORD, "10.0.0.8").ok
    assert len(_entries(service, "sign_in_failed")) == 3
    assert len(_entries(service, "sign_in_blocked")) == 3


def test_one_address_trying_many_names_is_limited(service: DraftingService, clock) -> None:
    for n in range(5):
        assert not service.sign_in.sign_in(f"guess{n}", "x" * 8, "10.9.9.9").blocked
    outcome = service.sign_in.sign_in("w1", PASSWORD, "10.9.9.9")
    assert outcome.blocked and "15 分钟" in outcome.message
    assert service.sign_in.sign_in("w1", PASSWORD, "10.0.0.1").ok  # the user from elsewhere is fine
    clock.advance(15 * 60 + 1)
    assert service.sign_in.sign_in("w1", PASSWORD, "10.9.9.9").ok


def test_a_success_clears_the_users_count_but_not_the_addresss(service: DraftingService) -> None:
    for _ in range(2):
        service.sign_in.sign_in("w1", "wrong-password", "10.0.0.7")
    assert service.sign_in.sign_in("w1", PASSWORD, "10.0.0.7").ok
    for _ in range(2):
        assert not service.sign_in.sign_in("w1", "wrong-password", "10.0.0.7").blocked
    # 4 failures from the address so far; the fifth reaches its limit.
    service.sign_in.sign_in("w1", "wrong-password", "10.0.0.7")
    assert service.sign_in.sign_in("w2", PASSWORD, "10.0.0.7").blocked


def test_empty_fields_are_refused_without_counting(service: DraftingService) -> None:
    for _ in range(10):
        assert service.sign_in.sign_in("w1", "", "10.0.0.7").message == "请输入用户名和密码。"
    assert service.sign_in.sign_in("w1", PASSWORD, "10.0.0.7").ok


def test_a_session_ends_when_idle(service: DraftingService, clock) -> None:
    token = service.sign_in.sign_in("w1", PASSWORD).token
    clock.advance(29 * 60)
    assert service.sign_in.session_user(token) == "w1"  # each use restarts the idle time
    clock.advance(29 * 60)
    assert service.sign_in.session_user(token) == "w1"
    clock.advance(30 * 60 + 1)
    assert service.sign_in.session_user(token) is None
    clock.advance(-60 * 60)  # expired sessions are gone, not only hidden
    assert service.sign_in.session_user(token) is None


def test_a_session_ends_after_its_maximum_age_even_when_used(service: DraftingService, clock) -> None:
    token = service.sign_in.sign_in("w1", PASSWORD).token
    for _ in range(8 * 6 - 1):
        clock.advance(10 * 60)
        assert service.sign_in.session_user(token) == "w1"
    clock.advance(10 * 60 + 1)
    assert service.sign_in.session_user(token) is None


def test_signing_out_and_unknown_tokens(service: DraftingService) -> None:
    token = service.sign_in.sign_in("w1", PASSWORD).token
    service.sign_in.sign_out(token)
    assert service.sign_in.session_user(token) is None
    assert service.sign_in.session_user("made-up") is None
    assert service.sign_in.session_user(None) is None


def test_a_disabled_user_cannot_sign_in_and_loses_their_sessions(service: DraftingService) -> None:
    token = service.sign_in.sign_in("w1", PASSWORD).token
    service.users.set_enabled("a1", "w1", False)
    assert service.sign_in.session_user(token) is None
    assert not service.sign_in.sign_in("w1", PASSWORD).ok
    service.users.set_enabled("a1", "w1", True)
    assert service.sign_in.sign_in("w1", PASSWORD).ok


def test_settings_come_from_the_environment(monkeypatch) -> None:
    from drafting.settings import Settings

    monkeypatch.setenv("DRAFTER_SECURITY__SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("DRAFTER_SECURITY__SIGN_IN_FAILURES_PER_USER", "2")
    settings = Settings()
    assert settings.security.session_idle_minutes == 5
    assert settings.security.sign_in_failures_per_user == 2


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 秒"), (59, "59 秒"), (60, "1 分钟"), (61, "2 分钟"), (3600, "1 小时"), (3660, "1 小时 1 分钟")],
)
def test_wait_text(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text
