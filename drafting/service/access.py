"""The one access policy every service asks: who is signed in, and may this user do this to this draft.

Reading a draft: its owner, an admin, anyone it is shared with, and reviewers once it has been sent
for review. Editing: the owner, an admin, or a share with "edit", and never while it is in review.
A refusal to read uses the same words as a missing draft, so nobody learns that someone else's
draft exists.
"""

from __future__ import annotations

from drafting.service.ports import DraftRepository, ReviewLog, RunLog, UserDirectory
from drafting.service.views import ServiceError, user_errors
from drafting.store.accounts import DISABLED_MESSAGE, User, can
from drafting.store.drafts import DraftSummary

NOT_FOUND = "找不到这份材料，或你无权查看。"


class AccessPolicy:
    """Answers "may this user do this to this draft" for every service, from the accounts, the
    drafts' owners and shares, and the review log."""

    def __init__(
        self,
        users: UserDirectory,
        drafts: DraftRepository,
        reviews: ReviewLog,
        run_log: RunLog | None = None,
    ) -> None:
        self._users = users
        self._drafts = drafts
        self._reviews = reviews
        self._run_log = run_log

    def record(
        self, user: str | None, action: str, target: str = "", detail: str = "", *, ok: bool = True
    ) -> None:
        """Add an entry to the run log (who did what, to what). The services call this after an
        action that changes something; a policy built without a run log (some tests) records nothing."""
        if self._run_log is not None:
            self._run_log.record(user, action, target, detail, ok=ok)

    # ------------------------------------------------------------ people

    @user_errors
    def user(self, name: str | None) -> User:
        """The signed-in user; ServiceError when the name is unknown (e.g. removed since sign-in)."""
        user = self._users.get(name) if name else None
        if user is None:
            raise ServiceError("请先登录。")
        if user.disabled:
            raise ServiceError(DISABLED_MESSAGE)
        return user

    def can(self, name: str | None, action: str) -> bool:
        """Whether this user's role allows an action (e.g. "draft", "review", "edit_prompts")."""
        user = self._users.get(name) if name else None
        return user is not None and not user.disabled and can(user.role, action)

    def known_user(self, name: str) -> User | None:
        """Another user by name (e.g. to share a draft with), or None."""
        return self._users.get(name) if name else None

    @user_errors
    def require(self, name: str | None, action: str) -> User:
        """The signed-in user if their role allows the action; ServiceError naming the action if not."""
        return self._users.require(name, action)

    # ------------------------------------------------------------ one draft

    def may_read(self, user: User, owner: str | None, draft_id: str) -> bool:
        if user.role == "admin" or owner == user.name:
            return True
        if user.name in self._drafts.shared_with(draft_id):
            return True
        # Reviewers see what was sent for review (and keep seeing it after deciding).
        return can(user.role, "review") and draft_id in self._reviews.ever_submitted()

    def may_edit(self, user: User, owner: str | None, draft_id: str) -> bool:
        if not can(user.role, "draft"):
            return False
        return (
            user.role == "admin"
            or owner == user.name
            or self._drafts.shared_with(draft_id).get(user.name) == "edit"
        )

    def may_comment(self, user: User, owner: str | None, draft_id: str) -> bool:
        """Reviewers, and whoever may edit the draft, comment on its paragraphs."""
        return can(user.role, "review") or self.may_edit(user, owner, draft_id)

    def may_share(self, user: User, owner: str | None) -> bool:
        return owner == user.name or user.role == "admin"

    def may_decide(self, user: User, owner: str | None) -> bool:
        """A reviewer never decides on their own draft (an admin may)."""
        return owner != user.name or user.role == "admin"

    def owner(self, draft_id: str) -> str | None:
        summary = self._drafts.summary(draft_id)
        if summary is None:
            raise ServiceError(NOT_FOUND)
        return summary.owner

    def readable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        """The user and the draft's owner, if the user may read it; ServiceError otherwise."""
        user = self.user(name)
        owner = self.owner(draft_id or "")
        if not self.may_read(user, owner, draft_id):
            raise ServiceError(NOT_FOUND)
        return user, owner

    def editable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        """The user and the draft's owner, if the user may change it now; ServiceError otherwise."""
        user, owner = self.readable(name, draft_id)
        if not self.may_edit(user, owner, draft_id):
            raise ServiceError(f"{user.role_label}不能修改这份材料（负责人：{owner}）。")
        if self._reviews.state(draft_id).status == "in_review":
            raise ServiceError("这份材料正在审核中，审核通过或退回后才能修改。")
        return user, owner

    # ------------------------------------------------------------ many drafts

    def visible(self, user: User) -> list[DraftSummary]:
        """Drafts this user may open: their own, those shared with them, and (reviewers) those sent for review."""
        if user.role == "admin":
            return self._drafts.list_drafts()
        ids = self._drafts.shared_drafts(user.name)
        if can(user.role, "review"):
            ids |= self._reviews.ever_submitted()
        return self._drafts.drafts_of(user.name, ids)
