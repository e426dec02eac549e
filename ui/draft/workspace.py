"""How an open draft shows on the writer's page: every component's value, set from one Workspace.

The panels of the draft page (ui/draft/*.py) build their own components; this module knows which
of them display the workspace and fills them all at once, so every handler that changes the draft
refreshes the page the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, Workspace, sheet_rows
from ui import render
from ui import text as T
from ui.draft.comments import CommentsPanel, comment_choices, comments_html
from ui.draft.export import ExportPanel
from ui.draft.facts import FactsPanel
from ui.draft.versions import VersionsPanel, version_choices
from ui.draft.writing import WritingPanel, exemplar_rows, plans_state, section_mode, section_text


def draft_choices(service: DraftingService, user: str | None) -> list[tuple[str, str]]:
    """The drafts this user may open, labelled for the draft picker."""
    listing = service.drafts.list_drafts(user)
    return [(f"{d.title}（{d.review.label}，第{d.latest_version}版）", d.id) for d in listing]


def _status(ws: Workspace | None) -> str:
    if ws is None:
        return T.DRAFT_STATUS_NEW
    status = T.DRAFT_STATUS.format(
        title=ws.draft.title, version=ws.version, status=ws.review.label, owner=ws.owner or ""
    )
    return status + ("" if ws.can_edit else T.READ_ONLY)


def _section_key(ws: Workspace, key: str | None) -> str | None:
    """``key`` if the draft has that section, else its first section."""
    keys = [s.key for s in ws.draft.sections]
    return key if key in keys else (keys[0] if keys else None)


@dataclass
class DraftWorkspace:
    """The draft page as its handlers see it: the service, the page's state, and its panels."""

    service: DraftingService
    draft_id: gr.State
    plans: gr.State
    choices: gr.State
    run_id: gr.State
    drafts: gr.Dropdown
    status: gr.Markdown
    tabs: gr.Tabs
    facts: FactsPanel
    writing: WritingPanel
    versions: VersionsPanel
    export: ExportPanel
    comments: CommentsPanel

    @property
    def targets(self) -> list[Any]:
        """The components ``fill`` updates, in one place so every handler agrees."""
        fp, wp, cp = self.facts, self.writing, self.comments
        return [
            *self.refresh_targets,
            self.draft_id,
            fp.kind,
            fp.org,
            fp.period,
            fp.next_period,
            fp.superior,
            fp.plain_headings,
            fp.date,
            fp.facts_table,
            wp.section,
            wp.exemplars,
            cp.comment_pick,
            cp.confirm,
            cp.message,
            self.plans,
            self.choices,
        ]

    def fill(
        self,
        user: str | None,
        ws: Workspace | None,
        key: str | None = None,
        *,
        replan: bool = True,
        plan_data: dict | None = None,
        choice_data: dict | None = None,
    ) -> dict:
        """Every component showing the workspace, updated to ``ws`` (None: a blank new draft)."""
        fp, wp, vp, cp = self.facts, self.writing, self.versions, self.comments
        listing = draft_choices(self.service, user)
        if ws is None:
            return {
                self.draft_id: "",
                self.status: T.DRAFT_STATUS_NEW + T.DRAFT_COUNT.format(n=len(listing)),
                fp.org: "",
                fp.period: "",
                fp.next_period: "",
                fp.superior: "",
                fp.plain_headings: False,
                fp.date: "",
                fp.facts_table: [["工作", "", ""]],
                wp.section: gr.update(choices=[], value=None),
                wp.editor: "",
                wp.base: 0,
                wp.conflict: gr.update(visible=False),
                wp.section_info: "",
                wp.notes: "",
                wp.exemplars: [],
                wp.full: render.draft_html(None),
                wp.flags: "",
                wp.progress: render.draft_progress_html(None),
                vp.versions: gr.update(choices=[], value=None),
                vp.diff_from: gr.update(choices=[], value=None),
                vp.diff_to: gr.update(choices=[], value=None),
                cp.comments: comments_html(None),
                cp.comment_pick: gr.update(choices=[], value=None),
                cp.history: render.history_html([]),
                cp.confirm: gr.update(visible=False),
                cp.message: "",
                self.plans: {"order": [], "sections": {}},
                self.choices: {},
                self.drafts: gr.update(choices=listing, value=None),
            }
        did = ws.draft.id or ""
        plan_data = (
            plan_data
            if plan_data is not None
            else (
                plans_state(self.service.drafts.plan(user, did)) if replan else {"order": [], "sections": {}}
            )
        )
        choice_data = choice_data if choice_data is not None else {}
        # One name per section on every panel (and in the stream while generating).
        for k, plan in plan_data["sections"].items():
            plan["label"] = ws.section_label(k)
        key = _section_key(ws, key)
        section_choices = [(ws.section_label(s.key), s.key) for s in ws.draft.sections]
        sheet = ws.sheet
        return {
            **self.refresh(user, ws, key, listing=listing),
            self.draft_id: did,
            fp.kind: sheet.kind if sheet else gr.skip(),
            fp.org: sheet.org if sheet else "",
            fp.period: sheet.period if sheet else "",
            fp.next_period: (sheet.next_period or "") if sheet else "",
            fp.superior: (sheet.superior or "") if sheet else "",
            fp.plain_headings: bool(sheet and sheet.headings == "plain"),
            fp.date: (sheet.date or "") if sheet else "",
            fp.facts_table: sheet_rows(sheet) or [["工作", "", ""]],
            wp.section: gr.update(choices=section_choices, value=key),
            wp.editor: gr.update(value=section_text(ws, key), interactive=ws.can_edit),
            wp.exemplars: exemplar_rows(plan_data, key, choice_data),
            cp.comment_pick: gr.update(choices=comment_choices(ws), value=None),
            cp.confirm: gr.update(visible=False),
            cp.message: "",
            self.plans: plan_data,
            self.choices: choice_data,
        }

    @property
    def refresh_targets(self) -> list[Any]:
        """The components ``refresh`` updates, in the order it gives their values."""
        wp, vp, cp = self.writing, self.versions, self.comments
        return [
            self.status,
            wp.editor,
            wp.base,
            wp.conflict,
            wp.section_info,
            wp.notes,
            wp.full,
            wp.flags,
            wp.progress,
            vp.versions,
            vp.diff_from,
            vp.diff_to,
            cp.comments,
            cp.history,
            self.drafts,
        ]

    def refresh(
        self, user: str | None, ws: Workspace, key: str | None, *, listing: list | None = None
    ) -> dict:
        """The components a new version of the draft already open changes (a saved edit, a finished
        or stopped generation): ``refresh_targets``. The facts, the section list, the exemplars and
        the comment picker stay as they are. Handlers that only refresh declare just these outputs:
        Gradio rebuilds a whole component for every output sent a property or left out (skipped),
        and under load those rebuilds took a fifth of the server's time."""
        key = _section_key(ws, key)
        history = version_choices(ws)
        previous = history[1][1] if len(history) > 1 else ws.version
        listing = listing if listing is not None else draft_choices(self.service, user)
        values = [
            _status(ws),
            section_text(ws, key),
            ws.version,
            gr.update(visible=False),
            section_mode(ws, key),
            render.writer_notes_html(ws, key),
            render.draft_html(ws.draft),
            render.flag_list_html([f for f in ws.draft.flags if f.section == key], labels=ws.section_labels),
            render.draft_progress_html(ws.draft),
            gr.update(choices=history, value=ws.version),
            gr.update(choices=history, value=previous),
            gr.update(choices=history, value=ws.version),
            comments_html(ws),
            render.history_html(ws.history),
            gr.update(choices=listing, value=ws.draft.id or ""),
        ]
        return dict(zip(self.refresh_targets, values, strict=True))
