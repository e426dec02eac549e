"""The comments tab of the writer's page: the review history, reviewers' comments, sending for
review, sharing the draft.

The writer resolves or reopens comments here; the reviewer's side of the same comments is
ui/review_page.py. Sending with grounding flags or comments still open asks first and, confirmed,
goes into the history with what was open. A refusal is one message under the buttons; nothing
else on the page changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from drafting.service.facade import NeedsConfirmation, ServiceError, Workspace
from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, notify, username


def comment_choices(ws: Workspace) -> list[tuple[str, int]]:
    """The draft's comments for the picker: number, status, section and the start of the text."""
    return [
        (f"#{c.id} {T.COMMENT_STATUS[c.status]} · {ws.section_label(c.section)} · {c.text[:30]}", c.id)
        for c in ws.comments
    ]


def comments_html(ws: Workspace | None) -> str:
    """Every comment on the draft with the version, section and paragraph it is about."""
    return render.all_comments_html(ws)


@dataclass
class CommentsPanel:
    """The components of the comments tab."""

    history: gr.HTML
    comments: gr.HTML
    comment_pick: gr.Dropdown
    resolve_btn: gr.Button
    reopen_btn: gr.Button
    submit_btn: gr.Button
    share_to: gr.Textbox
    share_btn: gr.Button
    message: gr.HTML
    confirm: gr.Column
    confirm_msg: gr.HTML
    confirm_yes: gr.Button
    confirm_no: gr.Button


def build() -> CommentsPanel:
    """Lay out the comments tab inside the current Tabs context."""
    with gr.Tab(T.STEP_REVIEW, id="comments"):
        gr.Markdown(f"**{T.HISTORY}**")
        history = gr.HTML(render.history_html([]), elem_id="writer-history")
        gr.Markdown(f"**{T.COMMENTS}**")
        comments = gr.HTML(render.message_html(T.COMMENTS_NONE), elem_id="writer-comments")
        with gr.Row(elem_classes="toolbar"):
            comment_pick = gr.Dropdown(label=T.COMMENT_PICK, choices=[], scale=3, elem_id="comment-pick")
            resolve_btn = gr.Button(T.COMMENT_RESOLVE, scale=1, elem_id="resolve")
            reopen_btn = gr.Button(T.COMMENT_REOPEN, scale=1)
        with gr.Row(elem_classes="toolbar"):
            submit_btn = gr.Button(T.SUBMIT, variant="primary", scale=1, elem_id="submit")
            share_to = gr.Textbox(label=T.SHARE_WITH, scale=2, elem_id="share-to")
            share_btn = gr.Button(T.SHARE, scale=1, elem_id="share")
        with gr.Column(visible=False, elem_id="submit-confirm", elem_classes="confirm") as confirm:
            confirm_msg = gr.HTML("", elem_id="submit-confirm-msg")
            with gr.Row():
                confirm_yes = gr.Button(T.CONFIRM_SUBMIT, variant="stop", elem_id="submit-confirm-yes")
                confirm_no = gr.Button(T.CONFIRM_CANCEL, elem_id="submit-confirm-no")
        message = gr.HTML("", elem_id="writer-review-msg")
    return CommentsPanel(
        history,
        comments,
        comment_pick,
        resolve_btn,
        reopen_btn,
        submit_btn,
        share_to,
        share_btn,
        message,
        confirm,
        confirm_msg,
        confirm_yes,
        confirm_no,
    )


def wire(page: DraftContext, panel: CommentsPanel, section: gr.Dropdown) -> None:
    """Resolve or reopen a comment, send the draft for review, share it with another user."""
    service = page.service

    def refused(message: str) -> dict:
        return {panel.message: render.message_html(message, "error"), panel.confirm: gr.update(visible=False)}

    def _comment_status(request: gr.Request, did: str, comment_id: int | None, status_value: str, key: str):
        if not comment_id:
            return refused(T.COMMENT_PICK)
        user = username(request)
        try:
            service.reviews.set_comment_status(user, int(comment_id), status_value)
        except ServiceError as exc:
            return refused(str(exc))
        return {**page.fill(user, service.drafts.open_draft(user, did), key), panel.message: ""}

    @guarded
    def on_resolve(request: gr.Request, did: str, comment_id: int | None, key: str):
        return _comment_status(request, did, comment_id, "resolved", key)

    @guarded
    def on_reopen(request: gr.Request, did: str, comment_id: int | None, key: str):
        return _comment_status(request, did, comment_id, "open", key)

    def _submit(request: gr.Request, did: str, key: str, confirm: bool) -> dict:
        if not did:
            return refused(T.NEED_DRAFT)
        user = username(request)
        try:
            state = service.reviews.submit(user, did, confirm=confirm)
        except NeedsConfirmation as exc:
            return {
                panel.confirm: gr.update(visible=True),
                panel.confirm_msg: render.message_html(str(exc), "warn"),
                panel.message: "",
            }
        except ServiceError as exc:
            return refused(str(exc))
        ws = service.drafts.open_draft(user, did)
        override = ws.history[-1].override if ws.history else ""
        done = (
            T.SUBMITTED_OVERRIDE.format(version=state.version, items=override)
            if override
            else T.SUBMITTED.format(version=state.version)
        )
        notify(done)
        return {**page.fill(user, ws, key), panel.message: render.message_html(done, "ok")}

    @guarded
    def on_submit(request: gr.Request, did: str, key: str):
        return _submit(request, did, key, confirm=False)

    @guarded
    def on_confirm(request: gr.Request, did: str, key: str):
        return _submit(request, did, key, confirm=True)

    def on_cancel_confirm():
        return {
            panel.confirm: gr.update(visible=False),
            panel.message: render.message_html(T.CONFIRM_CANCELLED),
        }

    @guarded
    def on_share(request: gr.Request, did: str, other: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        service.drafts.share(username(request), did, other)
        notify(T.SHARED.format(name=other.strip()))
        return ""

    outputs = [*page.targets, panel.confirm_msg]
    panel.resolve_btn.click(on_resolve, [page.draft_id, panel.comment_pick, section], outputs)
    panel.reopen_btn.click(on_reopen, [page.draft_id, panel.comment_pick, section], outputs)
    panel.submit_btn.click(on_submit, [page.draft_id, section], outputs)
    panel.confirm_yes.click(on_confirm, [page.draft_id, section], outputs)
    panel.confirm_no.click(on_cancel_confirm, None, [panel.confirm, panel.message])
    panel.share_btn.click(on_share, [page.draft_id, panel.share_to], [panel.share_to])
