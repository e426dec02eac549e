"""The writer's page: facts in, section-by-section drafting with exemplars, versions, export, review.

Layout and wiring only; every decision (permissions, parsing, grounding, versions) is the service's.
This module lays out the draft picker and the tabs, one panel module per tab (ui/draft/*.py), and
wires the picker; each panel wires its own events and refreshes the page through DraftWorkspace.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, ServiceError
from ui import text as T
from ui.draft import comments as draft_comments
from ui.draft import export as draft_export
from ui.draft import facts as draft_facts
from ui.draft import generation as draft_generation
from ui.draft import versions as draft_versions
from ui.draft import writing as draft_writing
from ui.draft.workspace import DraftWorkspace, draft_choices
from ui.handlers import guarded, username


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the draft page inside the current Blocks context and wire its events."""
    try:
        kinds = [(o.label, o.name) for o in service.drafts.outlines()]
    except ServiceError:  # broken outline files: the page still opens and says so on first use
        kinds = []
    draft_id = gr.State("")
    plans = gr.State({"order": [], "sections": {}})
    choices = gr.State({})
    run_id = gr.State("")

    with gr.Row(elem_classes="toolbar"):
        drafts = gr.Dropdown(label=T.DRAFT_PICK, choices=[], scale=4, elem_id="draft-pick")
        open_btn = gr.Button(T.DRAFT_OPEN, scale=1, elem_id="draft-open")
        refresh_btn = gr.Button(T.DRAFT_REFRESH, scale=1)
        new_btn = gr.Button(T.DRAFT_NEW, scale=1, variant="secondary", elem_id="draft-new")
    status = gr.Markdown(T.DRAFT_STATUS_NEW, elem_id="draft-status")

    with gr.Tabs(elem_id="draft-tabs") as tabs:
        facts = draft_facts.build(kinds)
        writing = draft_writing.build()
        versions = draft_versions.build()
        export = draft_export.build()
        comments = draft_comments.build()

    page = DraftWorkspace(
        service,
        draft_id,
        plans,
        choices,
        run_id,
        drafts,
        status,
        tabs,
        facts,
        writing,
        versions,
        export,
        comments,
    )

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        outlines = service.drafts.outlines()
        kinds = [(o.label, o.name) for o in outlines]
        return {
            **page.fill(user, None),
            facts.kind: gr.update(choices=kinds, value=kinds[0][1] if kinds else None),
        }

    @guarded
    def on_open(request: gr.Request, picked: str | None):
        if not picked:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        return page.fill(user, service.drafts.open_draft(user, picked))

    @guarded
    def on_new(request: gr.Request):
        return {**page.fill(username(request), None), tabs: gr.update(selected="facts")}

    @guarded
    def on_refresh(request: gr.Request, current: str):
        return gr.update(choices=draft_choices(service, username(request)), value=current or None)

    # Wired in page order, so the events keep their order (and their numbers) in the app.
    outputs = page.targets
    open_btn.click(on_open, [drafts], outputs)
    new_btn.click(on_new, None, [*outputs, tabs])
    refresh_btn.click(on_refresh, [draft_id], [drafts])
    draft_facts.wire(page, facts)
    draft_writing.wire(page, writing)
    draft_generation.wire(page, writing)
    draft_versions.wire(page, versions, writing.section)
    draft_export.wire(page, export)
    draft_comments.wire(page, comments, writing.section)
    return {"load": (on_load, [*outputs, facts.kind])}
