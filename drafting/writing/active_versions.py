"""Which version of each template (and outline) is active, who published it and when.

Publishing and rolling back append a row to DRAFTER_HOME/active_versions.sqlite3; nothing is
ever overwritten, so the history says who made which version active. Until a version of a
template is published, the active one is named in prompts/templates/<name>/active.txt (committed
with the templates), else it is the latest version shipped in prompts/; versions saved from the
web page are never active until someone publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from drafting.store.sqlite_file import SQLiteFile

if TYPE_CHECKING:
    from drafting.settings import Settings
    from drafting.writing.templates import PromptLibrary

KINDS = ("template", "outline")

MIGRATIONS = (
    """CREATE TABLE publications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        action TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX publications_by_name ON publications (kind, name, id)",
)


class PublishError(ValueError):
    """Publishing or rolling back is not possible; the message says why (Chinese)."""


@dataclass(frozen=True)
class Publication:
    kind: str
    name: str
    version: str
    action: str  # "publish" | "rollback"
    who: str
    at: str


class ActiveVersions:
    """Append-only record of published versions; the active one is the top of a publish stack."""

    def __init__(self, path: Path) -> None:
        self._db = SQLiteFile(path, MIGRATIONS)

    def history(self, kind: str, name: str) -> list[Publication]:
        """Every publish and rollback of one template or outline, oldest first."""
        with self._db.connect() as conn:
            rows = conn.execute(
                "SELECT kind, name, version, action, who, at FROM publications"
                " WHERE kind = ? AND name = ? ORDER BY id",
                (kind, name),
            ).fetchall()
        return [Publication(**dict(r)) for r in rows]

    def _stack(self, kind: str, name: str) -> list[str]:
        stack: list[str] = []
        for row in self.history(kind, name):
            if row.action == "publish":
                stack.append(row.version)
            elif stack:
                stack.pop()
        return stack

    def published(self, kind: str, name: str) -> str | None:
        """The published version, or None when nothing was published (or all rolled back)."""
        stack = self._stack(kind, name)
        return stack[-1] if stack else None

    def publish(self, kind: str, name: str, version: str, who: str) -> Publication:
        if kind not in KINDS:
            raise PublishError(f"只能发布 {'、'.join(KINDS)}")
        if not who:
            raise PublishError("发布需要写明发布人")
        if self.published(kind, name) == version:
            raise PublishError(f"{name}@{version} 已经是当前版本")
        return self._append(kind, name, version, "publish", who)

    def rollback(self, kind: str, name: str, who: str) -> Publication:
        """Make the version published before the current one active again."""
        stack = self._stack(kind, name)
        if len(stack) < 2:
            raise PublishError(f"{name} 没有更早发布的版本可以回退")
        return self._append(kind, name, stack[-2], "rollback", who)

    def _append(self, kind: str, name: str, version: str, action: str, who: str) -> Publication:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db.connect() as conn:
            conn.execute(
                "INSERT INTO publications (kind, name, version, action, who, at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, name, version, action, who, at),
            )
        return Publication(kind, name, version, action, who, at)


def active_versions(settings: Settings) -> ActiveVersions:
    return ActiveVersions(settings.home / "active_versions.sqlite3")


def active_template_version(settings: Settings, library: PromptLibrary, name: str) -> str | None:
    """The version drafts use: the published one, else prompts/templates/<name>/active.txt, else
    the latest shipped in prompts/.

    None only when the template has no shipped version (then the library's latest is used).
    Reading a data directory that does not exist yet creates nothing.
    """
    path = settings.home / "active_versions.sqlite3"
    if path.exists():
        published = ActiveVersions(path).published("template", name)
        if published is not None:
            return published
    default = library.directory / name / "active.txt"
    if default.is_file():
        named = default.read_text(encoding="utf-8").strip()
        if named:
            return named
    try:
        shipped = [v.version for v in library.listing(name) if not v.saved]
    except Exception:  # an unknown template fails later, where the draft names it
        return None
    return shipped[-1] if shipped else None
