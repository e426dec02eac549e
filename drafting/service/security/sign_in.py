"""Signing in: failed attempts limited per user name and per client address, and sessions that end.

Both keep their state in memory, for one server process, and read time from an injected clock
(seconds, monotonic), so tests move time instead of sleeping. The limits and lifetimes come from
``settings.security``.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from drafting.service.access import AccessPolicy
from drafting.service.ports import UserDirectory
from drafting.settings import SecuritySettings

Clock = Callable[[], float]

# Distinct user names / addresses remembered at once; past this the quietest are forgotten, so a
# flood of invented names cannot grow memory without bound.
MAX_TRACKED = 10_000

WRONG_CREDENTIALS = "用户名或密码不正确，或该账号已停用。"
EMPTY_CREDENTIALS = "请输入用户名和密码。"


def wait_text(seconds: float) -> str:
    """A wait as people say it: "45 秒", "3 分钟", "1 小时 5 分钟"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


class SignInThrottle:
    """Counts failed sign-ins per user name and per client address over a sliding window."""

    def __init__(self, settings: SecuritySettings, clock: Clock = time.monotonic) -> None:
        self._window = settings.sign_in_window_minutes * 60
        self._limits = {
            "user": settings.sign_in_failures_per_user,
            "client": settings.sign_in_failures_per_client,
        }
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, client: str | None) -> list[tuple[str, str]]:
        keys = [("user", unicodedata.normalize("NFC", name.strip()).casefold())] if name.strip() else []
        return keys + ([("client", client)] if client else [])

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def wait(self, name: str, client: str | None) -> float:
        """Seconds this user name from this address must wait before trying again (0: may try)."""
        now = self._clock()
        with self._lock:
            waits = [0.0]
            for key in self._keys(name, client):
                times = self._recent(key, now)
                limit = self._limits[key[0]]
                if len(times) >= limit:
                    # Allowed again when enough failures have left the window to go below the limit.
                    waits.append(times[len(times) - limit] + self._window - now)
            return max(waits)

    def failed(self, name: str, client: str | None) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(name, client):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
            if len(self._failures) > MAX_TRACKED:
                for key in sorted(
                    self._failures, key=lambda k: self._failures[k][-1] if self._failures[k] else 0
                )[: len(self._failures) - MAX_TRACKED]:
                    del self._failures[key]

    def succeeded(self, name: str) -> None:
        """A correct password clears that user's count (not the address's: one good account must
        not buy an address more guesses at others)."""
        with self._lock:
            for key in self._keys(name, None):
                self._failures.pop(key, None)


@dataclass
class _Session:
    user: str
    started: float
    last_seen: float


class SessionBook:
    """Signed-in sessions by token; a session ends after ``session_idle_minutes`` without use and
    ``session_max_hours`` after sign-in, whichever comes first."""

    def __init__(self, settings: SecuritySettings, clock: Clock = time.monotonic) -> None:
        self._idle = settings.session_idle_minutes * 60
        self._max = settings.session_max_hours * 3600
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def start(self, user: str, token: str | None = None) -> str:
        token = token or secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._sessions[token] = _Session(user, now, now)
        return token

    def user(self, token: str | None) -> str | None:
        """Whose session this is, if it is still alive (and it counts as a use); else None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_seen > self._idle or now - session.started > self._max:
                del self._sessions[token]
                return None
            session.last_seen = now
            return session.user

    def tokens(self) -> list[str]:
        """The live sessions' tokens (expired ones are dropped on the way)."""
        with self._lock:
            candidates = list(self._sessions)
        return [t for t in candidates if self.user(t) is not None]

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def end_user(self, user: str) -> int:
        """End every session of a user (disabled, password reset, role changed); how many ended."""
        with self._lock:
            mine = [t for t, s in self._sessions.items() if s.user == user]
            for token in mine:
                del self._sessions[token]
        return len(mine)


@dataclass(frozen=True)
class SignInOutcome:
    ok: bool
    message: str = ""  # why not, in Chinese, when not ok
    token: str | None = None  # the new session, when ok
    user: str | None = None
    blocked: bool = False  # too many failures: the caller answers 429


class SignInService:
    """The sign-in form's one action, and the sessions it starts."""

    def __init__(
        self,
        access: AccessPolicy,
        users: UserDirectory,
        settings: SecuritySettings,
        clock: Clock = time.monotonic,
    ) -> None:
        self._access = access
        self._users = users
        self.throttle = SignInThrottle(settings, clock)
        self.sessions = SessionBook(settings, clock)

    def sign_in(self, name: str | None, password: str | None, client: str | None = None) -> SignInOutcome:
        """Check the password unless this name or address must wait; start a session if it matches."""
        name = (name or "").strip()
        wait = self.throttle.wait(name, client)
        if wait > 0:
            self._access.record(
                name or None, "sign_in_blocked", client or "", f"需等待 {wait_text(wait)}", ok=False
            )
            return SignInOutcome(False, f"登录失败次数过多，请 {wait_text(wait)}后再试。", blocked=True)
        if not name or not password:
            return SignInOutcome(False, EMPTY_CREDENTIALS)
        user = self._users.verify(name, password)
        if user is None:
            self.throttle.failed(name, client)
            self._access.record(name, "sign_in_failed", client or "", ok=False)
            return SignInOutcome(False, WRONG_CREDENTIALS)
        self.throttle.succeeded(name)
        self._access.record(user.name, "sign_in", client or "")
        return SignInOutcome(True, token=self.sessions.start(user.name), user=user.name)

    def session_user(self, token: str | None) -> str | None:
        """The user of a live session, or None (expired, signed out or never started)."""
        return self.sessions.user(token)

    def sign_out(self, token: str) -> None:
        self.sessions.end(token)
