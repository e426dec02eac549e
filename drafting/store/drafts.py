"""Drafts and their versions: SQLite (``settings.drafts_db_path``) or the team's database.

Every generation, regeneration, human edit and restore adds a version; nothing is ever updated in
place (triggers refuse UPDATE and DELETE on versions). A version is written in one transaction
at the end of its work, so a crash mid-generation leaves the previous version as it was. Each
version keeps the full draft and fact sheet as JSON plus what produced it (outline, template,
rendered prompts, passages, model, parameters, timings, token usage), so a reviewer can replay it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, RowMapping, String, bindparam, text

from drafting.model import Draft, FactSheet
from drafting.store.database import SchemaStore, Step
from drafting.store.draft_json import draft_from_json, draft_to_json, facts_from_json, facts_to_json

if TYPE_CHECKING:
    pass

__all__ = [
    "DraftNotFound",
    "DraftStore",
    "DraftSummary",
    "DraftVersion",
    "GenerationRecord",
    "VersionConflict",
    "VersionInfo",
    "draft_from_json",
    "draft_to_json",
    "facts_from_json",
    "facts_to_json",
]

STATUSES = ("draft", "in_review", "approved", "returned", "archived")


class DraftNotFound(LookupError):
    """No such draft or version; the message is in Chinese."""


class VersionConflict(RuntimeError):
    """Someone saved a version after the one this save was based on; nothing was written."""

    def __init__(self, draft_id: str, expected: int, latest: int) -> None:
        super().__init__(f"草稿 {draft_id} 已有第 {latest} 版（本次修改基于第 {expected} 版），未保存")
        self.draft_id, self.expected, self.latest = draft_id, expected, latest


@dataclass(frozen=True)
class GenerationRecord:
    """What produced a version. Empty for a human edit."""

    outline: str | None = None
    outline_version: str | None = None
    template: str | None = None
    template_version: str | None = None
    prompts: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # section key → messages
    passage_ids: dict[str, list[str]] = field(default_factory=dict)  # section key → exemplar ids
    model: str | None = None  # "composer" or the chat model's name
    params: dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens, k, concurrency
    timings: dict[str, float] = field(default_factory=dict)  # section key (and "total") → seconds
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # section key → token usage


@dataclass(frozen=True)
class VersionInfo:
    """A version without its payload, for history lists."""

    draft_id: str
    number: int
    parent: int | None
    created: str
    author: str | None
    reason: str  # "generate" | "regenerate:<key>" | "edit" | "restore:<n>"
    title: str
    model: str | None


@dataclass(frozen=True)
class DraftVersion:
    info: VersionInfo
    draft: Draft  # with id and version set
    facts: FactSheet | None
    record: GenerationRecord

    @property
    def number(self) -> int:
        return self.info.number


@dataclass(frozen=True)
class DraftSummary:
    id: str
    owner: str | None
    kind: str
    org: str
    period: str
    title: str
    created: str
    updated: str
    status: str
    latest_version: int


# Append-only: each entry upgrades the schema by one version (see database.py). Never edit an
# entry that has shipped; add a new one.
_MIGRATIONS: tuple[Step, ...] = (
    """CREATE TABLE drafts (
        id TEXT PRIMARY KEY,
        owner TEXT,
        kind TEXT NOT NULL,
        org TEXT NOT NULL,
        period TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        latest_version INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX drafts_by_owner ON drafts (owner, updated)",
    """CREATE TABLE versions (
        draft_id TEXT NOT NULL REFERENCES drafts (id),
        number INTEGER NOT NULL,
        parent INTEGER,
        created TEXT NOT NULL,
        author TEXT,
        reason TEXT NOT NULL,
        draft_json TEXT NOT NULL,
        facts_json TEXT,
        outline TEXT,
        outline_version TEXT,
        template TEXT,
        template_version TEXT,
        prompts_json TEXT NOT NULL DEFAULT '{}',
        passage_ids_json TEXT NOT NULL DEFAULT '{}',
        model TEXT,
        params_json TEXT NOT NULL DEFAULT '{}',
        timings_json TEXT NOT NULL DEFAULT '{}',
        usage_json TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (draft_id, number)
    )""",
    {
        "sqlite": """CREATE TRIGGER versions_are_append_only_u BEFORE UPDATE ON versions
           BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END""",
        "postgresql": (
            """CREATE FUNCTION versions_are_append_only() RETURNS trigger LANGUAGE plpgsql
               AS $$ BEGIN RAISE EXCEPTION 'versions are append-only'; END $$""",
            """CREATE TRIGGER versions_are_append_only BEFORE UPDATE OR DELETE ON versions
               FOR EACH ROW EXECUTE FUNCTION versions_are_append_only()""",
        ),
    },
    {
        "sqlite": """CREATE TRIGGER versions_are_append_only_d BEFORE DELETE ON versions
           BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END""",
    },
    # Room for the web UI: who else may see or review a draft. Users live in the accounts store.
    """CREATE TABLE draft_shares (
        draft_id TEXT NOT NULL REFERENCES drafts (id),
        "user" TEXT NOT NULL,
        permission TEXT NOT NULL DEFAULT 'read',
        created TEXT NOT NULL,
        PRIMARY KEY (draft_id, "user")
    )""",
)

# The title inside a version's JSON, read by the database (history lists skip the payload).
_TITLE_SQL = {
    "sqlite": "json_extract(draft_json, '$.title')",
    "postgresql": "(draft_json::json ->> 'title')",
}


class DraftStore(SchemaStore):
    """Drafts with versions in a SQLite file or a shared database; safe across threads and processes.

    Every write is one transaction: on SQLite it holds the file's write lock from its start, on
    PostgreSQL it locks the draft's row before reading the next version number, so two writers
    never claim the same number and any exception rolls the whole version back.
    """

    STORE = "drafts"
    MIGRATIONS = _MIGRATIONS

    # ------------------------------------------------------------ writing

    def create_draft(
        self,
        draft: Draft,
        *,
        facts: FactSheet | None = None,
        record: GenerationRecord | None = None,
        owner: str | None = None,
        author: str | None = None,
        reason: str = "generate",
    ) -> DraftVersion:
        """Save a new draft and its version 1 in one transaction; returns that version."""
        draft_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._write() as db:
            db.execute(
                text(
                    "INSERT INTO drafts (id, owner, kind, org, period, title, created, updated)"
                    " VALUES (:id, :owner, :kind, :org, :period, :title, :now, :now)"
                ),
                {
                    "id": draft_id,
                    "owner": owner,
                    "kind": draft.kind,
                    "org": draft.org,
                    "period": draft.period,
                    "title": draft.title,
                    "now": now,
                },
            )
            info = self._insert_version(
                db, draft_id, 1, None, now, author or owner, reason, draft, facts, record
            )
        return self._loaded(info, draft, facts, record)

    def add_version(
        self,
        draft_id: str,
        draft: Draft,
        *,
        reason: str,
        author: str | None = None,
        facts: FactSheet | None = None,
        record: GenerationRecord | None = None,
        parent: int | None = None,
        expected_latest: int | None = None,
    ) -> DraftVersion:
        """Append a version. ``facts`` default to the parent's; ``parent`` to the latest version.

        With ``expected_latest``, raises VersionConflict (and writes nothing) when the latest
        version is another one: checked under the write lock, so two saves cannot both pass it.
        """
        now = _now()
        with self._write() as db:
            row = db.execute(
                text("SELECT latest_version FROM drafts WHERE id = :id FOR UPDATE")
                if self.database.dialect == "postgresql"
                else text("SELECT latest_version FROM drafts WHERE id = :id"),
                {"id": draft_id},
            ).first()
            if row is None:
                raise DraftNotFound(f"找不到草稿 {draft_id}")
            latest = int(row[0])
            if expected_latest is not None and latest != expected_latest:
                raise VersionConflict(draft_id, expected_latest, latest)
            parent = latest if parent is None else parent
            if facts is None:
                prev = db.execute(
                    text("SELECT facts_json FROM versions WHERE draft_id = :id AND number = :n"),
                    {"id": draft_id, "n": parent},
                ).first()
                if prev is None:
                    raise DraftNotFound(f"草稿 {draft_id} 没有第 {parent} 版")
                facts = facts_from_json(json.loads(prev[0])) if prev[0] else None
            info = self._insert_version(
                db, draft_id, latest + 1, parent, now, author, reason, draft, facts, record
            )
            db.execute(
                text("UPDATE drafts SET title = :title, updated = :now WHERE id = :id"),
                {"title": draft.title, "now": now, "id": draft_id},
            )
        return self._loaded(info, draft, facts, record)

    def restore(self, draft_id: str, number: int, *, author: str | None = None) -> DraftVersion:
        """Make an old version current again by copying it into a new version."""
        old = self.get_version(draft_id, number)
        return self.add_version(
            draft_id, old.draft, reason=f"restore:{number}", author=author, facts=old.facts, parent=number
        )

    def set_status(self, draft_id: str, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"未知的草稿状态：{status}")
        with self._write() as db:
            done = db.execute(
                text("UPDATE drafts SET status = :status WHERE id = :id"), {"status": status, "id": draft_id}
            )
            if done.rowcount == 0:
                raise DraftNotFound(f"找不到草稿 {draft_id}")

    def share(self, draft_id: str, user: str, permission: str = "read") -> None:
        """Let ``user`` see (or, with permission "review"/"edit", more) a draft they do not own."""
        with self._write() as db:
            self.database.lock(db, f"share:{draft_id}")
            if db.execute(text("SELECT 1 FROM drafts WHERE id = :id"), {"id": draft_id}).first() is None:
                raise DraftNotFound(f"找不到草稿 {draft_id}")
            key = {"id": draft_id, "user": user}
            db.execute(text('DELETE FROM draft_shares WHERE draft_id = :id AND "user" = :user'), key)
            db.execute(
                text(
                    'INSERT INTO draft_shares (draft_id, "user", permission, created)'
                    " VALUES (:id, :user, :permission, :now)"
                ),
                {**key, "permission": permission, "now": _now()},
            )

    def _insert_version(
        self,
        db: Connection,
        draft_id: str,
        number: int,
        parent: int | None,
        now: str,
        author: str | None,
        reason: str,
        draft: Draft,
        facts: FactSheet | None,
        record: GenerationRecord | None,
    ) -> VersionInfo:
        record = record or GenerationRecord()
        stored = draft_to_json(draft)
        stored["id"], stored["version"] = draft_id, number
        row = {
            "draft_id": draft_id,
            "number": number,
            "parent": parent,
            "created": now,
            "author": author,
            "reason": reason,
            "draft_json": _dumps(stored),
            "facts_json": _dumps(facts_to_json(facts)) if facts is not None else None,
            "outline": record.outline,
            "outline_version": record.outline_version,
            "template": record.template,
            "template_version": record.template_version,
            "prompts_json": _dumps(record.prompts),
            "passage_ids_json": _dumps(record.passage_ids),
            "model": record.model,
            "params_json": _dumps(record.params),
            "timings_json": _dumps(record.timings),
            "usage_json": _dumps(record.usage),
        }
        db.execute(
            text(f"INSERT INTO versions ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row
        )
        db.execute(
            text("UPDATE drafts SET latest_version = :n WHERE id = :id"), {"n": number, "id": draft_id}
        )
        return VersionInfo(draft_id, number, parent, now, author, reason, draft.title, record.model)

    @staticmethod
    def _loaded(
        info: VersionInfo, draft: Draft, facts: FactSheet | None, record: GenerationRecord | None
    ) -> DraftVersion:
        # Hand back a copy carrying its id and version, never the caller's object, so later edits
        # by the caller cannot look as if they were saved.
        saved = draft_from_json(draft_to_json(draft))
        saved.id, saved.version = info.draft_id, info.number
        return DraftVersion(info, saved, facts, record or GenerationRecord())

    # ------------------------------------------------------------ reading

    def get_version(self, draft_id: str, number: int | None = None) -> DraftVersion:
        """One version (the latest when ``number`` is None); raises DraftNotFound."""
        with self._read() as db:
            if number is None:
                row = (
                    db.execute(
                        text("SELECT * FROM versions WHERE draft_id = :id ORDER BY number DESC LIMIT 1"),
                        {"id": draft_id},
                    )
                    .mappings()
                    .first()
                )
            else:
                row = (
                    db.execute(
                        text("SELECT * FROM versions WHERE draft_id = :id AND number = :n"),
                        {"id": draft_id, "n": int(number)},
                    )
                    .mappings()
                    .first()
                )
        if row is None:
            if number is None or not self.exists(draft_id):
                raise DraftNotFound(f"找不到草稿 {draft_id}")
            raise DraftNotFound(f"草稿 {draft_id} 没有第 {number} 版")
        draft = draft_from_json(json.loads(row["draft_json"]))
        draft.id, draft.version = row["draft_id"], row["number"]
        facts = facts_from_json(json.loads(row["facts_json"])) if row["facts_json"] else None
        record = GenerationRecord(
            outline=row["outline"],
            outline_version=row["outline_version"],
            template=row["template"],
            template_version=row["template_version"],
            prompts=json.loads(row["prompts_json"]),
            passage_ids=json.loads(row["passage_ids_json"]),
            model=row["model"],
            params=json.loads(row["params_json"]),
            timings=json.loads(row["timings_json"]),
            usage=json.loads(row["usage_json"]),
        )
        return DraftVersion(_info(row, draft.title), draft, facts, record)

    def list_versions(self, draft_id: str) -> list[VersionInfo]:
        """The draft's versions, oldest first; raises DraftNotFound for an unknown id."""
        title = _TITLE_SQL[self.database.dialect]
        with self._read() as db:
            rows = (
                db.execute(
                    text(
                        "SELECT draft_id, number, parent, created, author, reason, model,"
                        f" {title} AS title FROM versions WHERE draft_id = :id ORDER BY number"
                    ),
                    {"id": draft_id},
                )
                .mappings()
                .all()
            )
        if not rows:
            raise DraftNotFound(f"找不到草稿 {draft_id}")
        return [_info(r, r["title"] or "") for r in rows]

    def list_drafts(self, owner: str | None = None) -> list[DraftSummary]:
        """All drafts (or one owner's), most recently updated first."""
        sql, params = "SELECT * FROM drafts", {}
        if owner is not None:
            sql, params = sql + " WHERE owner = :owner", {"owner": owner}
        with self._read() as db:
            rows = db.execute(text(sql + " ORDER BY updated DESC, created DESC, id"), params).mappings().all()
        return [DraftSummary(**dict(r)) for r in rows]

    def drafts_of(self, owner: str | None, ids: Collection[str] = ()) -> list[DraftSummary]:
        """The drafts ``owner`` owns and those with the given ids, most recently updated first:
        what one person may list, found by the indexes rather than by reading every draft."""
        query = text(
            "SELECT * FROM drafts WHERE owner = :owner OR id IN :ids ORDER BY updated DESC, created DESC, id"
        ).bindparams(bindparam("ids", expanding=True, type_=String()))
        with self._read() as db:
            rows = db.execute(query, {"owner": owner, "ids": sorted(ids)}).mappings().all()
        return [DraftSummary(**dict(r)) for r in rows]

    def summary(self, draft_id: str) -> DraftSummary | None:
        """One draft's summary (its owner among others), or None if there is no such draft."""
        with self._read() as db:
            row = db.execute(text("SELECT * FROM drafts WHERE id = :id"), {"id": draft_id}).mappings().first()
        return DraftSummary(**dict(row)) if row else None

    def shared_with(self, draft_id: str) -> dict[str, str]:
        with self._read() as db:
            rows = db.execute(
                text('SELECT "user", permission FROM draft_shares WHERE draft_id = :id'), {"id": draft_id}
            ).all()
        return {r[0]: r[1] for r in rows}

    def shared_drafts(self, user: str) -> set[str]:
        """The ids of the drafts shared with ``user`` (one query, for listing every visible draft)."""
        with self._read() as db:
            rows = db.execute(
                text('SELECT draft_id FROM draft_shares WHERE "user" = :user'), {"user": user}
            ).all()
        return {r[0] for r in rows}

    def exists(self, draft_id: str) -> bool:
        with self._read() as db:
            return (
                db.execute(text("SELECT 1 FROM drafts WHERE id = :id"), {"id": draft_id}).first() is not None
            )


def _info(row: RowMapping, title: str) -> VersionInfo:
    return VersionInfo(
        row["draft_id"],
        row["number"],
        row["parent"],
        row["created"],
        row["author"],
        row["reason"],
        title,
        row["model"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
