"""Who may see and change which draft: the signed-in user, their role, the draft's owner and shares.

The root of DraftingService's mixins (drafting/service.py): every other action builds on the
checks here (``_readable``, ``_editable``), and the listing, opening and sharing of drafts are
nothing but those checks applied.
"""

from __future__ import annotations

from drafting.service.views import DraftListing, ServiceError, Workspace, user_errors
from drafting.store.accounts import User, UserStore, can
from drafting.store.drafts import DraftStore, DraftSummary
from drafting.store.reviews import ReviewStore


class DraftAccess:
    """People and permissions of DraftingService: sign-in, roles, and read/edit rights on drafts."""

    users: UserStore
    reviews: ReviewStore
    drafts: DraftStore

    # ------------------------------------------------------------ people

    def authenticate(self, name: str, password: str) -> bool:
        """For the sign-in form: True when the name and password match a user."""
        return self.users.verify(name, password) is not None

    @user_errors
    def user(self, name: str | None) -> User:
        """The signed-in user; ServiceError when the name is unknown (e.g. removed since sign-in)."""
        user = self.users.get(name) if name else None
        if user is None:
            raise ServiceError("请先登录。")
        return user

    def can(self, name: str | None, action: str) -> bool:
        user = self.users.get(name) if name else None
        return user is not None and can(user.role, action)

    # ------------------------------------------------------------ drafts: access

    def _listing(self, summary: DraftSummary, user: User) -> DraftListing:
        return DraftListing(
            summary.id,
            summary.title,
            summary.owner,
            summary.period,
            summary.updated,
            summary.latest_version,
            self.reviews.state(summary.id),
            summary.owner == user.name,
        )

    def _may_read(self, user: User, summary_owner: str | None, draft_id: str) -> bool:
        if user.role == "admin" or summary_owner == user.name:
            return True
        if user.name in self.drafts.shared_with(draft_id):
            return True
        # Reviewers see what was sent for review (and keep seeing it after deciding).
        return can(user.role, "review") and draft_id in self.reviews.ever_submitted()

    def _may_edit(self, user: User, owner: str | None, draft_id: str) -> bool:
        if not can(user.role, "draft"):
            return False
        return (
            user.role == "admin"
            or owner == user.name
            or self.drafts.shared_with(draft_id).get(user.name) == "edit"
        )

    def _owner(self, draft_id: str) -> str | None:
        summary = next((s for s in self.drafts.list_drafts() if s.id == draft_id), None)
        if summary is None:
            raise ServiceError("找不到这份材料，或你无权查看。")
        return summary.owner

    def _readable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        user = self.user(name)
        owner = self._owner(draft_id or "")
        if not self._may_read(user, owner, draft_id):
            # Same words as a missing draft: do not confirm that someone else's draft exists.
            raise ServiceError("找不到这份材料，或你无权查看。")
        return user, owner

    def _editable(self, name: str | None, draft_id: str) -> tuple[User, str | None]:
        user, owner = self._readable(name, draft_id)
        if not self._may_edit(user, owner, draft_id):
            raise ServiceError(f"{user.role_label}不能修改这份材料（负责人：{owner}）。")
        if self.reviews.state(draft_id).status == "in_review":
            raise ServiceError("这份材料正在审核中，审核通过或退回后才能修改。")
        return user, owner

    @user_errors
    def list_drafts(self, name: str | None) -> list[DraftListing]:
        """Drafts this user may open: their own, those shared with them, and (reviewers) those sent for review."""
        user = self.user(name)
        submitted = self.reviews.ever_submitted()
        visible = []
        for summary in self.drafts.list_drafts():
            if (
                summary.owner == user.name
                or user.role == "admin"
                or user.name in self.drafts.shared_with(summary.id)
                or (can(user.role, "review") and summary.id in submitted)
            ):
                visible.append(summary)
        return [self._listing(s, user) for s in visible]

    @user_errors
    def review_queue(self, name: str | None) -> list[DraftListing]:
        """Drafts waiting for a decision, for reviewers."""
        user = self.users.require(name, "review")
        waiting = {s.draft_id for s in self.reviews.in_review()}
        return [self._listing(s, user) for s in self.drafts.list_drafts() if s.id in waiting]

    @user_errors
    def open_draft(self, name: str | None, draft_id: str, version: int | None = None) -> Workspace:
        """A version of a draft (the latest by default) with its history, review state and comments."""
        user, owner = self._readable(name, draft_id)
        saved = self.drafts.get_version(draft_id, version)
        return Workspace(
            draft=saved.draft,
            sheet=saved.facts,
            version=saved.number,
            owner=owner,
            versions=self.drafts.list_versions(draft_id),
            review=self.reviews.state(draft_id),
            comments=self.reviews.comments(draft_id),
            can_edit=self._may_edit(user, owner, draft_id),
            record_passages=dict(saved.record.passage_ids),
        )

    @user_errors
    def share(self, name: str | None, draft_id: str, other: str, permission: str = "read") -> None:
        """Let another user see (or with "edit", also change) this draft; only its owner or an admin may."""
        user, owner = self._readable(name, draft_id)
        if owner != user.name and user.role != "admin":
            raise ServiceError("只有材料负责人可以共享。")
        target = self.users.get((other or "").strip())
        if target is None:
            raise ServiceError(f"用户“{other}”不存在。")
        if permission not in ("read", "edit"):
            raise ServiceError(f"共享权限“{permission}”无效。")
        self.drafts.share(draft_id, target.name, permission)
