"""Users, roles and what each role may do, kept in SQLite under the data directory.

Kept in SQLite under the data directory, or in the team's database. Passwords are stored only as argon2id hashes (argon2-cffi). Every permission check of the product
goes through :func:`can` / :meth:`UserStore.require`, so the rules live in one table here and the
service layer enforces them whatever the UI shows or hides.
"""

from __future__ import annotations

import ipaddress
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import RowMapping, text
from sqlalchemy.exc import IntegrityError

from drafting.store.database import Database, SchemaStore, Step, open_database

if TYPE_CHECKING:
    from drafting.settings import Settings

Role = Literal["writer", "reviewer", "maintainer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_LABELS: dict[Role, str] = {
    "writer": "起草人",
    "reviewer": "审核人",
    "maintainer": "提示词维护人",
    "admin": "管理员",
}

Action = Literal[
    "draft",  # create, edit, generate and export one's own drafts
    "review",  # see drafts sent for review, comment, approve or return
    "edit_prompts",  # change prompt templates and outlines
    "add_documents",  # upload past reports to the knowledge base
    "remove_documents",  # delete documents from the knowledge base
    "manage_users",
    "configure_model",  # set the model endpoint drafts use, and test it
]

# Admins may do everything; the other roles are deliberately narrow so a writer cannot approve
# their own draft and a reviewer cannot quietly change what they review.
PERMISSIONS: dict[Role, frozenset[str]] = {
    "writer": frozenset({"draft", "add_documents"}),
    "reviewer": frozenset({"review", "add_documents"}),
    "maintainer": frozenset({"edit_prompts", "add_documents"}),
    "admin": frozenset(get_args(Action)),
}

ACTION_LABELS: dict[str, str] = {
    "draft": "起草材料",
    "review": "审核材料",
    "edit_prompts": "修改提示词",
    "add_documents": "上传往年材料",
    "remove_documents": "删除知识库文件",
    "manage_users": "管理用户",
    "configure_model": "设置模型接口",
}

DISABLED_MESSAGE = "该账号已停用，请联系管理员。"
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 64


class AccountError(ValueError):
    """A user-facing problem with a name, role or password; the message is in Chinese."""


class PermissionDenied(PermissionError):
    """The signed-in user's role does not allow the action; the message is in Chinese."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: str
    disabled: bool = False

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def can(role: str | None, action: str) -> bool:
    """Whether a role may perform an action; unknown roles may do nothing."""
    return role in PERMISSIONS and action in PERMISSIONS[role]  # type: ignore[index]


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, "localhost")."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def validate_name(name: str) -> str:
    """Return the normalised user name or raise AccountError saying what is wrong with it."""
    cleaned = unicodedata.normalize("NFC", (name or "").strip())
    if not cleaned:
        raise AccountError("用户名不能为空。")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise AccountError(f"用户名过长（最多 {MAX_NAME_LENGTH} 个字符）。")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise AccountError("用户名不能包含空格或控制字符。")
    return cleaned


def validate_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效，可选：{'、'.join(ROLES)}。")
    return role  # type: ignore[return-value]


def validate_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")
    if password != password.strip():
        raise AccountError("密码首尾不能有空格或换行。")
    return password


def generate_password() -> str:
    """A random password a person can type: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def accounts_db_path(home: Path) -> Path:
    return home / "accounts.sqlite3"


# Append-only: each entry is one SQL statement and upgrades the schema by one version
# (see database.py). Never edit an entry that has shipped; add a new one.
_MIGRATIONS: tuple[Step, ...] = (
    """CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    # A disabled user keeps their drafts and history but can no longer sign in or act.
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
)


class UserStore(SchemaStore):
    """Users and password hashes in a SQLite file or a shared database; safe across threads and processes."""

    STORE = "accounts"
    MIGRATIONS = _MIGRATIONS

    def __init__(self, where: Path | str | Database, hasher: PasswordHasher | None = None) -> None:
        super().__init__(where)
        self._hasher = hasher or PasswordHasher()

    @classmethod
    def from_settings(cls, settings: Settings, hasher: PasswordHasher | None = None) -> UserStore:
        return cls(open_database(settings, cls.STORE), hasher)

    def add(self, name: str, role: str, password: str) -> User:
        """Create a user; raises AccountError for a bad name, role or password, or a taken name."""
        name, role = validate_name(name), validate_role(role)
        validate_password(password)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        password_hash = self._hasher.hash(password)
        try:
            with self._write() as db:
                db.execute(
                    text("INSERT INTO users (name, role, password_hash, created_at) VALUES (:n, :r, :h, :c)"),
                    {"n": name, "r": role, "h": password_hash, "c": created},
                )
        except IntegrityError:
            raise AccountError(f"用户“{name}”已存在。") from None
        return User(name, role, created)

    def get(self, name: str) -> User | None:
        """The user, disabled or not (callers that act for a user check ``disabled``)."""
        with self._read() as db:
            row = db.execute(text("SELECT * FROM users WHERE name = :n"), {"n": name}).mappings().first()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self._read() as db:
            rows = db.execute(text("SELECT * FROM users ORDER BY name")).mappings().all()
        return [_user(r) for r in rows]

    def count(self) -> int:
        with self._read() as db:
            return int(db.execute(text("SELECT COUNT(*) FROM users")).scalar_one())

    def set_password(self, name: str, password: str) -> None:
        validate_password(password)
        password_hash = self._hasher.hash(password)
        with self._write() as db:
            cur = db.execute(
                text("UPDATE users SET password_hash = :h WHERE name = :n"), {"h": password_hash, "n": name}
            )
        if cur.rowcount == 0:
            raise AccountError(f"用户“{name}”不存在。")

    def set_role(self, name: str, role: str) -> None:
        role = validate_role(role)
        with self._write() as db:
            cur = db.execute(text("UPDATE users SET role = :r WHERE name = :n"), {"r": role, "n": name})
        if cur.rowcount == 0:
            raise AccountError(f"用户“{name}”不存在。")

    def set_disabled(self, name: str, disabled: bool) -> None:
        with self._write() as db:
            cur = db.execute(
                text("UPDATE users SET disabled = :d WHERE name = :n"), {"d": int(disabled), "n": name}
            )
        if cur.rowcount == 0:
            raise AccountError(f"用户“{name}”不存在。")

    def verify(self, name: str, password: str) -> User | None:
        """The user if the password matches and the account is enabled, else None. Never raises
        for bad input."""
        if not name or not password:
            return None
        with self._read() as db:
            row = (
                db.execute(text("SELECT * FROM users WHERE name = :n"), {"n": name.strip()})
                .mappings()
                .first()
            )
        if row is None:
            # Hash anyway so a wrong name costs as long as a wrong password.
            self._hasher.hash(password)
            return None
        try:
            self._hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        if row["disabled"]:
            return None
        if self._hasher.check_needs_rehash(row["password_hash"]):
            password_hash = self._hasher.hash(password)
            with self._write() as db:
                db.execute(
                    text("UPDATE users SET password_hash = :h WHERE name = :n"),
                    {"h": password_hash, "n": row["name"]},
                )
        return _user(row)

    def require(self, name: str | None, action: str) -> User:
        """The signed-in user, if their role allows the action; else PermissionDenied in Chinese."""
        user = self.get(name) if name else None
        if user is None:
            raise PermissionDenied("请先登录。")
        if user.disabled:
            raise PermissionDenied(DISABLED_MESSAGE)
        if not can(user.role, action):
            raise PermissionDenied(
                f"{user.role_label}无权{ACTION_LABELS.get(action, action)}（当前用户：{user.name}）。"
            )
        return user


def _user(row: RowMapping) -> User:
    return User(row["name"], row["role"], row["created_at"], bool(row["disabled"]))


def bootstrap_admin(store: UserStore, password: str | None = None) -> str | None:
    """Create user "admin" when there are no users at all.

    Returns the password that was generated (for the caller to show once), or None when a password
    was given or users already exist. Only call this for a server reachable from this machine alone.
    """
    if store.count() > 0:
        return None
    generated = None
    if not password:
        password = generated = generate_password()
    store.add("admin", "admin", password)
    return generated
