"""User management for admins: list, add, disable or enable, reset a password, change a role.

Every action needs the "manage_users" right and is written to the run log. An admin cannot
disable themselves or take away their own admin role, so the last way in is never locked by
accident. Disabling, a password reset or a role change ends that user's open sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drafting.service.access import AccessPolicy
from drafting.service.views import ServiceError, user_errors
from drafting.store.accounts import ROLE_LABELS, User, UserStore, generate_password, validate_role


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    role_label: str
    created_at: str
    disabled: bool


@dataclass(frozen=True)
class NewPassword:
    """A generated password, shown once to the admin and stored nowhere but as a hash."""

    user: str
    password: str


class UserAdminService:
    def __init__(self, access: AccessPolicy, users: UserStore, end_sessions: Callable[[str], int]) -> None:
        self._access = access
        self._users = users
        self._end_sessions = end_sessions

    def _existing(self, name: str) -> User:
        user = self._users.get((name or "").strip())
        if user is None:
            raise ServiceError(f"用户“{name}”不存在。")
        return user

    @user_errors
    def list_users(self, name: str | None) -> list[UserRow]:
        self._access.require(name, "manage_users")
        return [
            UserRow(u.name, u.role, ROLE_LABELS[u.role], u.created_at, u.disabled) for u in self._users.list()
        ]

    @user_errors
    def add_user(self, name: str | None, new_name: str, role: str) -> NewPassword:
        """Create a user with a generated password (returned once, to be handed over)."""
        admin = self._access.require(name, "manage_users")
        password = generate_password()
        user = self._users.add(new_name, role, password)
        self._access.record(admin.name, "user_add", user.name, f"角色：{user.role_label}")
        return NewPassword(user.name, password)

    @user_errors
    def set_enabled(self, name: str | None, target: str, enabled: bool) -> UserRow:
        admin = self._access.require(name, "manage_users")
        user = self._existing(target)
        if user.name == admin.name and not enabled:
            raise ServiceError("不能停用自己的账号。")
        self._users.set_disabled(user.name, not enabled)
        if not enabled:
            self._end_sessions(user.name)
        self._access.record(admin.name, "user_enable" if enabled else "user_disable", user.name)
        return self._row(user.name)

    @user_errors
    def reset_password(self, name: str | None, target: str) -> NewPassword:
        """A new generated password for the user (shown once); their open sessions end."""
        admin = self._access.require(name, "manage_users")
        user = self._existing(target)
        password = generate_password()
        self._users.set_password(user.name, password)
        self._end_sessions(user.name)
        self._access.record(admin.name, "user_password", user.name)
        return NewPassword(user.name, password)

    @user_errors
    def set_role(self, name: str | None, target: str, role: str) -> UserRow:
        admin = self._access.require(name, "manage_users")
        user = self._existing(target)
        new_role = validate_role(role)
        if user.name == admin.name and new_role != "admin":
            raise ServiceError("不能取消自己的管理员角色。")
        if new_role != user.role:
            self._users.set_role(user.name, new_role)
            self._end_sessions(user.name)
            self._access.record(
                admin.name, "user_role", user.name, f"{ROLE_LABELS[user.role]} → {ROLE_LABELS[new_role]}"
            )
        return self._row(user.name)

    def _row(self, target: str) -> UserRow:
        u = self._existing(target)
        return UserRow(u.name, u.role, ROLE_LABELS[u.role], u.created_at, u.disabled)
