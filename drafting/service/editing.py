"""The editing service: check a section as it is typed, save it, restore or compare versions.

Every save is a new version re-checked against the facts; nothing is ever overwritten, so
restoring is itself a new version.
"""

from __future__ import annotations

from drafting.checking.compare import DiffRow, diff_drafts, split_paragraphs
from drafting.checking.grounding import attribute_paragraph, check_draft
from drafting.model import Draft, FactSheet, Flag, Paragraph
from drafting.service.access import AccessPolicy
from drafting.service.drafts import section_labels
from drafting.service.planning import DraftPlanner
from drafting.service.ports import DraftRepository, KnowledgeSource
from drafting.service.views import SaveConflict, ServiceError, user_errors
from drafting.store.draft_json import draft_from_json, draft_to_json
from drafting.store.drafts import DraftVersion, VersionConflict
from retrieval.documents import Passage

MAX_SECTION_CHARS = 20_000


class EditingService:
    """A person's edits of a draft's sections, with their grounding checks, and the version history."""

    def __init__(
        self,
        access: AccessPolicy,
        drafts: DraftRepository,
        planner: DraftPlanner,
        knowledge: KnowledgeSource,
    ) -> None:
        self._access = access
        self._drafts = drafts
        self._planner = planner
        self._knowledge = knowledge

    @user_errors
    def check_section(self, name: str | None, draft_id: str, key: str, text: str) -> list[Flag]:
        """Grounding flags for a section's text as it is being edited (nothing is saved)."""
        self._access.readable(name, draft_id)
        saved = self._drafts.get_version(draft_id)
        sheet = self._planner.sheet(draft_id)
        draft = with_section_text(saved.draft, key, text, sheet)
        outline, specs = self._planner.sections(sheet)
        report = check_draft(draft, sheet, self._references(draft), outline=outline)
        section_facts = {f.id for spec in specs if spec.key == key for f in spec.facts}
        return [
            f
            for f in report.flags
            if f.section == key or (f.kind == "unused_fact" and f.detail in section_facts)
        ]

    @user_errors
    def save_section(
        self, name: str | None, draft_id: str, key: str, text: str, *, base_version: int | None = None
    ) -> Draft:
        """Save a person's edit of one section as a new version, re-checked against the facts.

        ``base_version`` is the version the person's text was opened from. If someone saved a
        change to this section since, SaveConflict is raised and nothing is saved (the person
        loads theirs or saves again without ``base_version``: keep mine, as a new version). A
        change to other sections is no conflict: this edit is applied on top of it.
        """
        user, _ = self._access.editable(name, draft_id)
        if len(text or "") > MAX_SECTION_CHARS:
            raise ServiceError(f"本节过长（超过 {MAX_SECTION_CHARS} 字），请分节撰写。")
        saved = self._drafts.get_version(draft_id)
        if base_version is not None and saved.number != base_version:
            base = self._drafts.get_version(draft_id, int(base_version))
            if _section_text(base, key) != _section_text(saved, key):
                raise _conflict(saved, key)
        sheet = self._planner.sheet(draft_id)
        draft = with_section_text(saved.draft, key, text, sheet)
        before = {s.key: [p.text for p in s.paragraphs] for s in saved.draft.sections}
        for section in draft.sections:
            # Saving an unchanged section keeps how it was written; a changed one is the person's now.
            if section.key == key and [p.text for p in section.paragraphs] != before.get(key):
                section.record = {**section.record, "edited_by": user.name}
        outline = self._planner.sections(sheet)[0]
        draft.flags = list(check_draft(draft, sheet, self._references(draft), outline=outline).flags)
        try:
            saved_draft = self._drafts.add_version(
                draft_id, draft, reason="edit", author=user.name, facts=sheet, expected_latest=saved.number
            ).draft
        except VersionConflict:  # a save landed between reading the latest version and writing
            raise _conflict(self._drafts.get_version(draft_id), key) from None
        label = section_labels(saved_draft).get(
            key, key
        )  # the log is read by people: 工作情况（一）…, not work:0
        self._access.record(user.name, "edit", draft_id, f"{label}（第 {saved_draft.version} 版）")
        return saved_draft

    @user_errors
    def restore(self, name: str | None, draft_id: str, version: int) -> Draft:
        """Make an earlier version current again (as a new version; nothing is lost)."""
        user, _ = self._access.editable(name, draft_id)
        restored = self._drafts.restore(draft_id, int(version), author=user.name).draft
        self._access.record(
            user.name, "restore", draft_id, f"恢复第 {int(version)} 版为第 {restored.version} 版"
        )
        return restored

    @user_errors
    def diff(self, name: str | None, draft_id: str, old: int, new: int) -> list[DiffRow]:
        """What changed between two versions, line by line with character detail."""
        self._access.readable(name, draft_id)
        return diff_drafts(
            self._drafts.get_version(draft_id, int(old)).draft,
            self._drafts.get_version(draft_id, int(new)).draft,
        )

    def _references(self, draft: Draft) -> list[Passage]:
        """The past passages the draft's sections were written with (for verbatim-copy checks)."""
        kb = self._knowledge.available()
        if kb is None:
            return []
        ids = {pid for s in draft.sections for pid in s.record.get("passage_ids", [])}
        return [p for p in (kb.get_passage(i) for i in sorted(ids)) if p is not None]


def _section_text(version: DraftVersion, key: str) -> list[str] | None:
    section = next((s for s in version.draft.sections if s.key == key), None)
    return None if section is None else [p.text for p in section.paragraphs]


def _conflict(latest: DraftVersion, key: str) -> SaveConflict:
    # Sections without a heading (开头, 结尾) are named by their part, as the section picker names them.
    label = section_labels(latest.draft).get(key, key)
    who = latest.info.author or "其他人"
    return SaveConflict(
        f"“{label}”在你打开之后已被 {who} 修改并保存为第 {latest.number} 版，你的修改尚未保存。"
        "请选择：载入对方的版本，或把你的修改保存为新版本。",
        latest=latest.number,
        author=latest.info.author,
    )


def with_section_text(draft: Draft, key: str, text: str, sheet: FactSheet) -> Draft:
    """A copy of the draft with one section's text replaced; unchanged paragraphs keep their sources."""
    edited = draft_from_json(draft_to_json(draft))
    section = next((s for s in edited.sections if s.key == key), None)
    if section is None:
        raise ServiceError(f"这份材料中没有“{key}”这一节。")
    old = {p.text: p for p in section.paragraphs}
    paragraphs = []
    for line in split_paragraphs(text):
        kept = old.get(line)
        if kept is not None:  # unchanged paragraph: keep its heading kind and its sources
            paragraphs.append(kept)
        else:
            paragraphs.append(Paragraph(text=line, fact_ids=list(attribute_paragraph(line, sheet))))
    section.paragraphs = paragraphs
    section.status = "done" if paragraphs else "pending"
    section.error = None
    return edited
