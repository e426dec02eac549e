"""The versions tab of the writer's page: the draft's history, restoring a version, comparing two.

Every save, generation and restore is a version; nothing is overwritten, so restoring an old one
makes it current again as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from drafting.service.facade import Workspace
from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, notify, username


def version_choices(ws: Workspace) -> list[tuple[str, int]]:
    """The draft's versions, newest first, labelled with when, by whom and why."""
    choices = []
    for v in reversed(ws.versions):
        reason = T.REASONS.get(v.reason.split(":")[0], v.reason)
        choices.append(
            (
                T.VERSION_LABEL.format(
                    number=v.number,
                    created=render.moment(v.created),
                    author=v.author or "",
                    reason=reason,
                ),
                v.number,
            )
        )
    return choices


@dataclass
class VersionsPanel:
    """The components of the versions tab."""

    versions: gr.Dropdown
    restore_btn: gr.Button
    diff_from: gr.Dropdown
    diff_to: gr.Dropdown
    diff_btn: gr.Button
    diff: gr.HTML


def build() -> VersionsPanel:
    """Lay out the versions tab inside the current Tabs context."""
    with gr.Tab(T.STEP_VERSIONS, id="versions"):
        with gr.Row(elem_classes="toolbar"):
            versions = gr.Dropdown(label=T.VERSIONS, choices=[], scale=4, elem_id="versions")
            restore_btn = gr.Button(T.RESTORE, scale=1, elem_id="restore")
        with gr.Row(elem_classes="toolbar"):
            diff_from = gr.Dropdown(label=T.DIFF_FROM, choices=[], scale=2, elem_id="diff-from")
            diff_to = gr.Dropdown(label=T.DIFF_TO, choices=[], scale=2, elem_id="diff-to")
            diff_btn = gr.Button(T.DIFF_RUN, scale=1, elem_id="diff-run")
        diff = gr.HTML(render.diff_html([], "", ""), elem_id="diff")
    return VersionsPanel(versions, restore_btn, diff_from, diff_to, diff_btn, diff)


def wire(page: DraftContext, panel: VersionsPanel, section: gr.Dropdown) -> None:
    """Restore the picked version; show what changed between two."""
    service = page.service

    @guarded
    def on_restore(request: gr.Request, did: str, number: int | None, key: str):
        if not did or not number:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        draft = service.editing.restore(user, did, int(number))
        notify(T.RESTORED.format(old=number, new=draft.version))
        return page.fill(user, service.drafts.open_draft(user, did), key)

    @guarded
    def on_diff(request: gr.Request, did: str, old: int | None, new: int | None):
        if not did or not old or not new:
            return render.diff_html([], "", "")
        rows = service.editing.diff(username(request), did, int(old), int(new))
        return render.diff_html([(r.kind, r.segments) for r in rows], str(old), str(new))

    panel.restore_btn.click(on_restore, [page.draft_id, panel.versions, section], page.targets)
    panel.diff_btn.click(on_diff, [page.draft_id, panel.diff_from, panel.diff_to], [panel.diff])
