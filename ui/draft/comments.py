"""The comments tab of the writer's page: reviewers' comments, sending for review, sharing the draft.

The writer resolves or reopens comments here; the reviewer's side of the same comments is
ui/review_page.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from drafting.service.facade import Workspace
from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, notify, username


def comment_choices(ws: Workspace) -> list[tuple[str, int]]:
    """The draft's comments for the picker: number, status and the start of the text."""
    return [(f"#{c.id} {T.COMMENT_STATUS[c.status]} · {c.text[:30]}", c.id) for c in ws.comments]


def comments_html(ws: Workspace | None) -> str:
    """Every comment on the draft with the version, section and paragraph it is about."""
    if ws is None or not ws.comments:
        return render.message_html(T.COMMENTS_NONE)
    labels = {s.key: (s.heading or s.key) for s in ws.draft.sections}
    items = []
    for c in ws.comments:
        line = T.COMMENT_ITEM.format(
            version=c.version,
            section=labels.get(c.section, c.section),
            paragraph=c.paragraph + 1,
            author=c.author,
            text=c.text,
        )
        items.append((c.status, f"#{c.id} {line}", c.quote))
    return render.comments_html(items)


@dataclass
class CommentsPanel:
    """The components of the comments tab."""

    comments: gr.HTML
    comment_pick: gr.Dropdown
    resolve_btn: gr.Button
    reopen_btn: gr.Button
    submit_btn: gr.Button
    share_to: gr.Textbox
    share_btn: gr.Button


def build() -> CommentsPanel:
    """Lay out the comments tab inside the current Tabs context."""
    with gr.Tab(T.STEP_REVIEW, id="comments"):
        comments = gr.HTML(render.message_html(T.COMMENTS_NONE), elem_id="writer-comments")
        with gr.Row(elem_classes="toolbar"):
            comment_pick = gr.Dropdown(label=T.COMMENT_PICK, choices=[], scale=3)
            resolve_btn = gr.Button(T.COMMENT_RESOLVE, scale=1, elem_id="resolve")
            reopen_btn = gr.Button(T.COMMENT_REOPEN, scale=1)
        with gr.Row(elem_classes="toolbar"):
            submit_btn = gr.Button(T.SUBMIT, variant="primary", scale=1, elem_id="submit")
            share_to = gr.Textbox(label=T.SHARE_WITH, scale=2, elem_id="share-to")
            share_btn = gr.Button(T.SHARE, scale=1, elem_id="share")
    return CommentsPanel(comments, comment_pick, resolve_btn, reopen_btn, submit_btn, share_to, share_btn)


def wire(page: DraftContext, panel: CommentsPanel, section: gr.Dropdown) -> None:
    """Resolve or reopen a comment, send the draft for review, share it with another user."""
    service = page.service

    def _comment_status(request: gr.Request, did: str, comment_id: int | None, status_value: str, key: str):
        if not comment_id:
            raise gr.Error(T.COMMENT_PICK, title=T.ERROR_TITLE)
        user = username(request)
        service.reviews.set_comment_status(user, int(comment_id), status_value)
        return page.fill(user, service.drafts.open_draft(user, did), key)

    @guarded
    def on_resolve(request: gr.Request, did: str, comment_id: int | None, key: str):
        return _comment_status(request, did, comment_id, "resolved", key)

    @guarded
    def on_reopen(request: gr.Request, did: str, comment_id: int | None, key: str):
        return _comment_status(request, did, comment_id, "open", key)

    @guarded
    def on_submit(request: gr.Request, did: str, key: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        state = service.reviews.submit(user, did)
        notify(T.SUBMITTED.format(version=state.version))
        return page.fill(user, service.drafts.open_draft(user, did), key)

    @guarded
    def on_share(request: gr.Request, did: str, other: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        service.drafts.share(username(request), did, other)
        notify(T.SHARED.format(name=other.strip()))
        return ""

    panel.resolve_btn.click(on_resolve, [page.draft_id, panel.comment_pick, section], page.targets)
    panel.reopen_btn.click(on_reopen, [page.draft_id, panel.comment_pick, section], page.targets)
    panel.submit_btn.click(on_submit, [page.draft_id, section], page.targets)
    panel.share_btn.click(on_share, [page.draft_id, panel.share_to], [panel.share_to])
