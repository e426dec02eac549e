"""The reviewer's page: a draft beside its sources, comments on paragraphs, approve or return.

Clicking a paragraph (the draft is an HTML component whose script reports which paragraph was
clicked, and which words were selected in it) shows the facts and past passages it rests on, with
the shared spans marked in both. The review history sits above the draft. Approving with flags or
comments still open asks first; a refusal (a return without a reason) is one message under the
buttons and leaves everything else as it was.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import (
    DraftingService,
    NeedsConfirmation,
    ParagraphSources,
    ServiceError,
    Workspace,
)
from ui import render
from ui import text as T
from ui.handlers import guarded, notify, username

# Report which paragraph was clicked; delegated so it keeps working after the HTML is replaced.
CLICK_JS = """
element.addEventListener('click', (event) => {
  const p = event.target.closest('[data-key]');
  if (!p) return;
  const sel = window.getSelection();
  const focus = sel && !sel.isCollapsed && p.contains(sel.anchorNode) ? sel.toString() : '';
  trigger('click', {key: p.dataset.key, index: Number(p.dataset.index), focus: focus});
});
"""


def sources_html(
    src: ParagraphSources | None,
    fact_texts: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The selected paragraph with the spans it shares with its sources, then each source."""
    if src is None:
        return render.message_html(T.REVIEW_HINT)
    spans = [(a, b, "match", T.MATCH_TITLE) for m in src.facts for a, b in m.paragraph_spans]
    spans += [
        (a, b, "match match-passage", T.MATCH_TITLE) for m in src.passages for a, b in m.paragraph_spans
    ]
    spans += render.flag_spans(src.flags, src.section, src.index)
    parts = [
        f'<div class="source paragraph"><p class="source-title">{T.REVIEW_PARAGRAPH}</p>'
        f'<p class="source-text">{render.marked(src.text, spans)}</p></div>'
    ]
    if src.flags:
        parts.append(render.flag_list_html(list(src.flags), fact_texts, labels))
    parts.append(f"<h4>{T.REVIEW_FACTS}</h4>")
    if not src.facts:
        parts.append(render.message_html(T.REVIEW_NO_FACTS, "warn"))
    for m in src.facts:
        title = render.fact_label(m.fact.part, m.fact.area)
        parts.append(render.source_block_html(title, "", m.fact.text, m.fact_spans, "fact"))
    parts.append(f"<h4>{T.REVIEW_PASSAGES}</h4>")
    if not src.passages:
        parts.append(render.message_html(T.REVIEW_NO_PASSAGES))
    for pm in src.passages:
        p = pm.passage
        meta = " · ".join(x for x in (p.period or "", p.heading) if x)
        parts.append(render.source_block_html(p.source, meta, p.text, pm.passage_spans, "passage"))
    return "".join(parts)


def _status_line(ws: Workspace) -> str:
    return T.DRAFT_STATUS.format(
        title=ws.draft.title, version=ws.version, status=ws.review.label, owner=ws.owner or ""
    )


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the review page in the current Blocks context and wire its events."""
    draft_id = gr.State("")
    version = gr.State(0)
    picked = gr.State({"key": "", "index": -1, "focus": ""})

    with gr.Row(elem_classes="toolbar"):
        queue_pick = gr.Dropdown(label=T.REVIEW_QUEUE, choices=[], scale=4, elem_id="review-pick")
        open_btn = gr.Button(T.REVIEW_OPEN, scale=1, elem_id="review-open")
        refresh_btn = gr.Button(T.REVIEW_REFRESH, scale=1)
    status = gr.Markdown(T.REVIEW_NONE, elem_id="review-status")
    with gr.Accordion(T.HISTORY, open=True):
        history = gr.HTML(render.history_html([]), elem_id="review-history")
    with gr.Row():
        with gr.Column(scale=3):
            doc = gr.HTML(
                render.draft_html(None, empty=T.REVIEW_EMPTY), js_on_load=CLICK_JS, elem_id="review-draft"
            )
        with gr.Column(scale=2):
            gr.Markdown(f"**{T.REVIEW_SOURCES}**")
            sources = gr.HTML(sources_html(None), elem_id="review-sources")
            comment_text = gr.Textbox(label=T.COMMENT_TEXT, lines=3, elem_id="comment-text")
            comment_btn = gr.Button(T.COMMENT_ADD, elem_id="comment-add")
    comments = gr.HTML(render.message_html(T.COMMENTS_NONE), elem_id="review-comments")
    with gr.Row(elem_classes="toolbar"):
        note = gr.Textbox(label=T.DECISION_NOTE, scale=3, elem_id="decision-note")
        approve_btn = gr.Button(T.APPROVE, variant="primary", scale=1, elem_id="approve")
        return_btn = gr.Button(T.RETURN, variant="stop", scale=1, elem_id="return")
    with gr.Column(visible=False, elem_id="approve-confirm", elem_classes="confirm") as confirm:
        confirm_msg = gr.HTML("", elem_id="approve-confirm-msg")
        with gr.Row():
            confirm_yes = gr.Button(T.CONFIRM_APPROVE, variant="stop", elem_id="approve-confirm-yes")
            confirm_no = gr.Button(T.CONFIRM_CANCEL, elem_id="approve-confirm-no")
    message = gr.HTML("", elem_id="review-msg")

    def queue_choices(user: str | None) -> list[tuple[str, str]]:
        if not service.access.can(user, "review"):
            return []
        return [
            (f"{d.title}（{d.owner}，第{d.review.version}版）", d.id)
            for d in service.reviews.review_queue(user)
        ]

    def comment_items(ws: Workspace) -> str:
        return render.all_comments_html(ws)

    def show(user: str | None, did: str, selected: tuple[str, int] | None = None) -> dict:
        ws = service.drafts.open_draft(user, did)
        number = ws.review.version if ws.review.status == "in_review" and ws.review.version else ws.version
        if number != ws.version:
            ws = service.drafts.open_draft(user, did, number)
        return {
            draft_id: did,
            version: ws.version,
            status: _status_line(ws),
            history: render.history_html(ws.history),
            doc: render.draft_html(ws.draft, clickable=True, selected=selected),
            comments: comment_items(ws),
        }

    def refused(text: str) -> dict:
        # Only the message changes: no error badges, the queue and the draft stay as they were.
        return {message: render.message_html(text, "error"), confirm: gr.update(visible=False)}

    def queue_note(choices: list) -> str:
        return T.REVIEW_QUEUE_WAITING.format(n=len(choices)) if choices else T.REVIEW_QUEUE_EMPTY

    @guarded
    def on_load(request: gr.Request):
        choices = queue_choices(username(request))
        return {queue_pick: gr.update(choices=choices, value=None), status: queue_note(choices)}

    @guarded
    def on_refresh(request: gr.Request, current: str | None):
        choices = queue_choices(username(request))
        keep = current if current in {c[1] for c in choices} else None
        return gr.update(choices=choices, value=keep)

    @guarded
    def on_open(request: gr.Request, did: str | None):
        if not did:
            return refused(T.NEED_DRAFT)
        return {
            **show(username(request), did),
            sources: sources_html(None),
            picked: {"key": "", "index": -1, "focus": ""},
            message: "",
            confirm: gr.update(visible=False),
        }

    @guarded
    def on_click(request: gr.Request, did: str, number: int, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        key, index = data.get("key"), data.get("index")
        if not did or key is None or index is None:
            return {}
        user = username(request)
        src = service.reviews.paragraph_sources(user, did, int(number), str(key), int(index))
        ws = service.drafts.open_draft(user, did, int(number))
        fact_texts = {f.id: f.text for f in ws.sheet.all_facts()} if ws.sheet else {}
        return {
            sources: sources_html(src, fact_texts, ws.section_labels),
            picked: {"key": key, "index": int(index), "focus": str(data.get("focus") or "")[:500]},
            doc: render.draft_html(ws.draft, clickable=True, selected=(str(key), int(index))),
        }

    @guarded
    def on_comment(request: gr.Request, did: str, number: int, sel: dict, body: str):
        if not did or not sel or sel.get("index", -1) < 0:
            return refused(T.COMMENT_NEED_PARAGRAPH)
        user = username(request)
        try:
            service.reviews.add_comment(
                user, did, int(number), sel["key"], int(sel["index"]), body, sel.get("focus", "")
            )
        except ServiceError as exc:
            return refused(str(exc))
        notify(T.COMMENT_ADDED)
        return {
            **show(user, did, (sel["key"], int(sel["index"]))),
            comment_text: "",
            message: render.message_html(T.COMMENT_ADDED, "ok"),
        }

    def _decide(request: gr.Request, did: str, number: int, decision: str, body: str, sure: bool) -> dict:
        if not did:
            return refused(T.NEED_DRAFT)
        user = username(request)
        try:
            service.reviews.decide(user, did, int(number), decision, body, confirm=sure)
        except NeedsConfirmation as exc:
            return {
                confirm: gr.update(visible=True),
                confirm_msg: render.message_html(str(exc), "warn"),
                message: "",
            }
        except ServiceError as exc:
            return refused(str(exc))
        ws = service.drafts.open_draft(user, did)
        override = ws.history[-1].override if ws.history else ""
        if decision == "approved":
            done = (T.APPROVED_OVERRIDE if override else T.APPROVED).format(version=number, items=override)
        else:
            done = T.RETURNED.format(version=number)
        notify(done)
        choices = queue_choices(user)
        return {
            **show(user, did),
            queue_pick: gr.update(choices=choices, value=None),
            note: "",
            message: render.message_html(done, "ok"),
            confirm: gr.update(visible=False),
        }

    @guarded
    def on_approve(request: gr.Request, did: str, number: int, body: str):
        return _decide(request, did, number, "approved", body, False)

    @guarded
    def on_approve_anyway(request: gr.Request, did: str, number: int, body: str):
        return _decide(request, did, number, "approved", body, True)

    @guarded
    def on_return(request: gr.Request, did: str, number: int, body: str):
        return _decide(request, did, number, "returned", body, False)

    def on_cancel_confirm():
        return {confirm: gr.update(visible=False), message: render.message_html(T.CONFIRM_CANCELLED)}

    shown = [draft_id, version, status, history, doc, comments]
    feedback = [message, confirm, confirm_msg]
    refresh_btn.click(on_refresh, [queue_pick], [queue_pick])
    open_btn.click(on_open, [queue_pick], [*shown, sources, picked, *feedback])
    doc.click(on_click, [draft_id, version], [sources, picked, doc])
    comment_btn.click(
        on_comment, [draft_id, version, picked, comment_text], [*shown, comment_text, *feedback]
    )
    decision_outputs = [*shown, queue_pick, note, *feedback]
    approve_btn.click(on_approve, [draft_id, version, note], decision_outputs)
    confirm_yes.click(on_approve_anyway, [draft_id, version, note], decision_outputs)
    confirm_no.click(on_cancel_confirm, None, [confirm, message])
    return_btn.click(on_return, [draft_id, version, note], decision_outputs)
    return {"load": (on_load, [queue_pick, status])}
