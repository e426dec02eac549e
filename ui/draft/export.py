"""The export tab of the writer's page: download the Word file, and preview its pages.

The preview shows LibreOffice's page images when it can render them, and otherwise an HTML
approximation of the page with the reason it fell back.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, notify, username


@dataclass
class ExportPanel:
    """The components of the export tab."""

    with_comments: gr.Checkbox
    export_btn: gr.Button
    preview_btn: gr.Button
    docx_file: gr.File
    pages: gr.Gallery
    page_html: gr.HTML


def build() -> ExportPanel:
    """Lay out the export tab inside the current Tabs context."""
    with gr.Tab(T.STEP_EXPORT, id="export"):
        with gr.Row(elem_classes="toolbar"):
            with_comments = gr.Checkbox(label=T.EXPORT_COMMENTS, value=False, scale=2)
            export_btn = gr.Button(T.EXPORT, variant="primary", scale=1, elem_id="export")
            preview_btn = gr.Button(T.PREVIEW, scale=1, elem_id="preview")
        docx_file = gr.File(label=T.DOWNLOAD, interactive=False, elem_id="docx-file")
        pages = gr.Gallery(
            label=T.PREVIEW_PAGES,
            columns=3,
            height="auto",
            preview=False,
            object_fit="contain",
            visible=False,
            elem_id="pages",
        )
        page_html = gr.HTML("", elem_id="page-html")
    return ExportPanel(with_comments, export_btn, preview_btn, docx_file, pages, page_html)


def wire(page: DraftContext, panel: ExportPanel) -> None:
    """Export the current draft to Word; preview its pages."""
    service = page.service

    @guarded
    def on_export(request: gr.Request, did: str, comments_on: bool):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        path = service.export.export_docx(username(request), did, comments=bool(comments_on))
        notify(T.EXPORTED.format(name=path.name))
        return str(path)

    @guarded
    def on_preview(request: gr.Request, did: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        result = service.export.preview(user, did)
        if result.pages:
            return gr.update(value=[str(p) for p in result.pages], visible=True), ""
        draft = service.drafts.open_draft(user, did).draft
        note = render.message_html(result.note, "warn") if result.note else ""
        return gr.update(visible=False), note + render.page_preview_html(draft)

    # Named endpoint: scripts/load_ui.py drives it through gradio_client, as a browser would.
    panel.export_btn.click(
        on_export, [page.draft_id, panel.with_comments], [panel.docx_file], api_name="export"
    )
    panel.preview_btn.click(
        on_preview,
        [page.draft_id],
        [panel.pages, panel.page_html],
        concurrency_id="preview",
        concurrency_limit=2,
    )
