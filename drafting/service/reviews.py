"""The review service: comments on paragraphs, sending a version for review, the decision, and
a paragraph's sources (the facts and past passages a reviewer checks it against).

Reviewers never decide on their own drafts; the access policy says who may comment and decide.
Sending or approving a version while grounding flags or comments are still open needs an explicit
confirmation, and what was open is recorded with the step.
"""

from __future__ import annotations

from drafting.checking.compare import matching_spans
from drafting.checking.grounding import attribute_paragraph
from drafting.service.access import AccessPolicy
from drafting.service.drafts import draft_listings
from drafting.service.ports import DraftRepository, KnowledgeSource, ReviewLog
from drafting.service.views import (
    DraftListing,
    FactMatch,
    NeedsConfirmation,
    OpenItems,
    ParagraphSources,
    PassageMatch,
    ServiceError,
    user_errors,
)
from drafting.store.reviews import Comment, ReviewState, comment_quote


class ReviewService:
    """Comments, submission and decisions, the review queue, and the sources of a paragraph."""

    def __init__(
        self,
        access: AccessPolicy,
        drafts: DraftRepository,
        reviews: ReviewLog,
        knowledge: KnowledgeSource,
    ) -> None:
        self._access = access
        self._drafts = drafts
        self._reviews = reviews
        self._knowledge = knowledge

    @user_errors
    def review_queue(self, name: str | None) -> list[DraftListing]:
        """Drafts waiting for a decision, for reviewers."""
        user = self._access.require(name, "review")
        waiting = {s.draft_id for s in self._reviews.in_review()}
        return draft_listings(self._drafts.drafts_of(None, waiting), user, self._reviews)

    @user_errors
    def add_comment(
        self,
        name: str | None,
        draft_id: str,
        version: int,
        key: str,
        index: int,
        text: str,
        focus: str = "",
    ) -> Comment:
        """A comment on one paragraph (``focus``: the words selected in it, if any).

        Reviewers and those who may edit the draft can comment. The comment quotes whole sentences
        of the paragraph around the selected words, so the quote shows what the comment is about.
        """
        user, owner = self._access.readable(name, draft_id)
        if not self._access.may_comment(user, owner, draft_id):
            raise ServiceError(f"{user.role_label}不能在这份材料上批注。")
        draft = self._drafts.get_version(draft_id, int(version)).draft
        section = next((s for s in draft.sections if s.key == key), None)
        if section is None or not 0 <= int(index) < len(section.paragraphs):
            raise ServiceError("所选段落不存在，请重新点击段落后再批注。")
        quote = comment_quote(section.paragraphs[int(index)].text, (focus or "")[:500])
        return self._reviews.add_comment(draft_id, int(version), key, int(index), user.name, text, quote)

    @user_errors
    def set_comment_status(self, name: str | None, comment_id: int, status: str) -> Comment:
        """Resolve or reopen a comment on a draft this user may see and comment on."""
        comment = self._reviews.get_comment(int(comment_id))
        if comment is None:
            raise ServiceError(f"批注 {comment_id} 不存在。")
        user, owner = self._access.readable(name, comment.draft_id)
        if not self._access.may_comment(user, owner, comment.draft_id):
            raise ServiceError(f"{user.role_label}不能处理这条批注。")
        return self._reviews.set_comment_status(comment.id, status, user.name)  # type: ignore[arg-type]

    @user_errors
    def open_items(self, name: str | None, draft_id: str, version: int | None = None) -> OpenItems:
        """The grounding flags in a version's text and the draft's comments not yet resolved."""
        self._access.readable(name, draft_id)
        return self._open_items(draft_id, version)

    def _open_items(self, draft_id: str, version: int | None) -> OpenItems:
        flags = self._drafts.get_version(draft_id, version).draft.flags
        return OpenItems(len(flags), len(self._reviews.comments(draft_id, status="open")))

    @user_errors
    def submit(
        self, name: str | None, draft_id: str, version: int | None = None, *, confirm: bool = False
    ) -> ReviewState:
        """Send a version (the latest by default) for review.

        With flags or comments still open this raises NeedsConfirmation unless ``confirm``; a
        confirmed submission records what was open.
        """
        user, _ = self._access.editable(name, draft_id)
        number = int(version) if version else self._drafts.get_version(draft_id).number
        items = self._open_items(draft_id, number)
        if items and not confirm:
            raise NeedsConfirmation(f"第 {number} 版还有{items.describe()}未处理。仍要送审吗？", items)
        self._reviews.submit(draft_id, number, user.name, override=items.describe())
        self._drafts.set_status(draft_id, "in_review")
        return self._reviews.state(draft_id)

    @user_errors
    def decide(
        self,
        name: str | None,
        draft_id: str,
        version: int,
        decision: str,
        note: str = "",
        *,
        confirm: bool = False,
    ) -> ReviewState:
        """Approve or return the version under review (reviewers only; never one's own draft).

        Approving with flags or comments still open raises NeedsConfirmation unless ``confirm``;
        returning never needs it (the open items are the reason to return).
        """
        user = self._access.require(name, "review")
        _, owner = self._access.readable(user.name, draft_id)
        if not self._access.may_decide(user, owner):
            raise ServiceError("不能审核自己起草的材料。")
        override = ""
        if decision == "approved":
            items = self._open_items(draft_id, int(version))
            state = self._reviews.state(draft_id)
            # Only a decision that could go through asks; a wrong version gets the store's message.
            if items and not confirm and state.status == "in_review" and state.version == int(version):
                raise NeedsConfirmation(
                    f"第 {version} 版还有{items.describe()}未处理。仍要审核通过吗？", items
                )
            override = items.describe()
        self._reviews.decide(draft_id, int(version), decision, user.name, note, override)  # type: ignore[arg-type]
        self._drafts.set_status(draft_id, decision)
        return self._reviews.state(draft_id)

    @user_errors
    def paragraph_sources(
        self, name: str | None, draft_id: str, version: int, key: str, index: int
    ) -> ParagraphSources:
        """The facts and past passages a paragraph rests on, with the spans it shares with each."""
        self._access.readable(name, draft_id)
        saved = self._drafts.get_version(draft_id, int(version))
        section = next((s for s in saved.draft.sections if s.key == key), None)
        if section is None or not 0 <= int(index) < len(section.paragraphs):
            raise ServiceError("所选段落不存在。")
        paragraph = section.paragraphs[int(index)]
        text = paragraph.text
        facts_by_id = {f.id: f for f in saved.facts.all_facts()} if saved.facts else {}
        fact_ids = list(paragraph.fact_ids) or (
            list(attribute_paragraph(text, saved.facts)) if saved.facts else []
        )
        fact_matches = []
        for fid in fact_ids:
            fact = facts_by_id.get(fid)
            if fact is not None:
                spans = matching_spans(text, fact.text, min_chars=2)
                fact_matches.append(
                    FactMatch(
                        fact, tuple((a, b) for a, b, _, _ in spans), tuple((c, d) for _, _, c, d in spans)
                    )
                )
        kb = self._knowledge.available()
        passage_matches = []
        # A paragraph records the exemplars it leaned on; a hand-written or composed one has none,
        # and then the section's exemplars are the closest thing to a source worth showing.
        passage_ids = [r.passage_id for r in paragraph.passages] or list(
            section.record.get("passage_ids", [])
        )
        for pid in dict.fromkeys(passage_ids):
            passage = kb.get_passage(pid) if kb is not None else None
            if passage is not None:
                spans = matching_spans(text, passage.text)
                passage_matches.append(
                    PassageMatch(
                        passage, tuple((a, b) for a, b, _, _ in spans), tuple((c, d) for _, _, c, d in spans)
                    )
                )
        flags = tuple(f for f in saved.draft.flags if f.section == key and f.paragraph == int(index))
        return ParagraphSources(key, int(index), text, flags, tuple(fact_matches), tuple(passage_matches))
