"""The run-log page's one action: entries filtered by user, action and date, newest first, paged.

Admins only. Times are stored in UTC and shown in the server's local time; a date filter means
that local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from drafting.service.access import AccessPolicy
from drafting.service.views import ServiceError, user_errors
from drafting.store.run_log import ACTIONS, RunLogStore

PAGE_SIZE = 50


@dataclass(frozen=True)
class RunLogRow:
    at: str  # local time, "2026-12-05 14:03:11"
    user: str
    action: str  # its label, e.g. "导出 Word"
    target: str
    detail: str
    ok: bool


@dataclass(frozen=True)
class RunLogView:
    rows: list[RunLogRow]
    page: int  # 1-based
    pages: int
    total: int


def _day(text: str | None, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"{label}“{text}”不是日期，请写成 2026-12-05 的样子。") from None


class RunLogService:
    def __init__(self, access: AccessPolicy, store: RunLogStore, zone: tzinfo | None = None) -> None:
        self._access = access
        self._store = store
        self._zone = zone  # None: the server's local time zone

    def action_choices(self) -> list[tuple[str, str]]:
        """(label, action) for the filter, in the log's own order."""
        return [(label, action) for action, label in ACTIONS.items()]

    @user_errors
    def users(self, name: str | None) -> list[str]:
        """Names appearing in the log, for the filter."""
        self._access.require(name, "manage_users")
        return self._store.users()

    @user_errors
    def entries(
        self,
        name: str | None,
        *,
        user: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> RunLogView:
        """One page of entries, newest first. ``since`` / ``until`` are local dates (inclusive)."""
        self._access.require(name, "manage_users")
        if action and action not in ACTIONS:
            raise ServiceError(f"没有“{action}”这种操作。")
        first, last = _day(since, "起始日期"), _day(until, "截止日期")
        if first and last and first > last:
            raise ServiceError("起始日期晚于截止日期。")
        page_size = max(1, min(int(page_size), 200))
        page = max(1, int(page or 1))
        result = self._store.query(
            user=(user or "").strip() or None,
            action=action or None,
            since=self._utc(first) if first else None,
            until=self._utc(last + timedelta(days=1), before=True) if last else None,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
        pages = max(1, -(-result.total // page_size))
        rows = [
            RunLogRow(self._local(e.at), e.user, e.action_label, e.target, e.detail, e.ok)
            for e in result.entries
        ]
        return RunLogView(rows, min(page, pages), pages, result.total)

    def _utc(self, day: date, *, before: bool = False) -> str:
        """The UTC time (ISO, as stored) at which a local day starts; ``before``: one second earlier."""
        start = datetime.combine(day, time(), tzinfo=self._zone).astimezone(UTC)
        if self._zone is None:  # combine without a zone gives a naive time: read it as local
            start = datetime.combine(day, time()).astimezone().astimezone(UTC)
        if before:
            start -= timedelta(seconds=1)
        return start.isoformat(timespec="seconds")

    def _local(self, stored: str) -> str:
        moment = datetime.fromisoformat(stored)
        local = moment.astimezone(self._zone) if self._zone else moment.astimezone()
        return local.strftime("%Y-%m-%d %H:%M:%S")
