"""The run log: who did what, to what, and when: a SQLite file under the data directory, or the team's database.

Entries are only ever added. Each says who (a user name, or "命令行:<os user>" for the CLI), the
action (one of ACTIONS), what it was done to (a draft id, a file name, a user name, a template),
a short detail, and whether it succeeded. Nothing secret goes in: callers pass names and counts,
never a password or a model key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from drafting.store.database import SERIAL_KEY, SchemaStore, Step

if TYPE_CHECKING:
    pass

# The actions the log records, with the label people read on the run-log page.
ACTIONS: dict[str, str] = {
    "sign_in": "登录成功",
    "sign_in_failed": "登录失败",
    "sign_in_blocked": "登录被限制",
    "ingest": "上传往年材料",
    "remove": "删除知识库文件",
    "generate": "生成初稿",
    "edit": "修改段落",
    "restore": "恢复版本",
    "export": "导出 Word",
    "publish_template": "发布提示词版本",
    "rollback_template": "回滚提示词版本",
    "user_add": "新增用户",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "user_password": "重置密码",
    "user_role": "修改角色",
    "model_settings": "修改模型设置",
}

MAX_PAGE = 200
MAX_FIELD = 500


@dataclass(frozen=True)
class RunLogEntry:
    id: int
    at: str  # ISO 8601, UTC, seconds
    user: str
    action: str
    target: str
    detail: str
    ok: bool

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class RunLogPage:
    entries: list[RunLogEntry]
    total: int  # entries matching the filter, over all pages


# Append-only (see drafting/store/database.py). "user" is quoted: PostgreSQL reserves the word.
_MIGRATIONS: tuple[Step, ...] = (
    {
        dialect: f"""CREATE TABLE entries (
        id {key},
        at TEXT NOT NULL,
        "user" TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        ok INTEGER NOT NULL DEFAULT 1
    )"""
        for dialect, key in SERIAL_KEY.items()
    },
    'CREATE INDEX entries_by_user ON entries ("user", id)',
    "CREATE INDEX entries_by_action ON entries (action, id)",
    "CREATE INDEX entries_by_time ON entries (at)",
)


class RunLogStore(SchemaStore):
    """Adds entries and reads them back newest first, filtered and paged."""

    STORE = "run_log"
    MIGRATIONS = _MIGRATIONS

    def record(
        self,
        user: str | None,
        action: str,
        target: str = "",
        detail: str = "",
        *,
        ok: bool = True,
        at: datetime | None = None,
    ) -> None:
        """Add one entry. An unknown action is a bug in the caller, so it raises."""
        if action not in ACTIONS:
            raise ValueError(f"unknown run-log action {action!r}")
        when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        with self._write() as db:
            db.execute(
                text(
                    'INSERT INTO entries (at, "user", action, target, detail, ok)'
                    " VALUES (:at, :user, :action, :target, :detail, :ok)"
                ),
                {
                    "at": when,
                    "user": (user or "（未登录）")[:MAX_FIELD],
                    "action": action,
                    "target": (target or "")[:MAX_FIELD],
                    "detail": (detail or "")[:MAX_FIELD],
                    "ok": int(ok),
                },
            )

    def query(
        self,
        *,
        user: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> RunLogPage:
        """Entries newest first. ``since`` / ``until`` are ISO dates or times (UTC), inclusive:
        "2026-12-05" as ``until`` means the whole of that day."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if user:
            where.append('"user" = :user')
            params["user"] = user
        if action:
            where.append("action = :action")
            params["action"] = action
        if since:
            where.append("at >= :since")
            params["since"] = since
        if until:
            # A date alone covers its whole day: every time on it sorts before "date~".
            where.append("at <= :until")
            params["until"] = until + "~" if len(until) == 10 else until
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        page = {"limit": max(1, min(int(limit), MAX_PAGE)), "offset": max(0, int(offset))}
        with self._read() as db:
            total = int(db.execute(text(f"SELECT COUNT(*) FROM entries {clause}"), params).scalar_one())
            rows = (
                db.execute(
                    text(f"SELECT * FROM entries {clause} ORDER BY id DESC LIMIT :limit OFFSET :offset"),
                    {**params, **page},
                )
                .mappings()
                .all()
            )
        return RunLogPage(
            [
                RunLogEntry(r["id"], r["at"], r["user"], r["action"], r["target"], r["detail"], bool(r["ok"]))
                for r in rows
            ],
            total,
        )

    def users(self) -> list[str]:
        """Every name that appears in the log (for the page's filter)."""
        with self._read() as db:
            return list(db.execute(text('SELECT DISTINCT "user" FROM entries ORDER BY "user"')).scalars())
