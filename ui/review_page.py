"""The reviewer's page: a draft beside its sources, comments on paragraphs, approve or return.

Clicking a paragraph (the draft is an HTML component whose script reports which paragraph was
clicked) shows the facts and past passages it rests on, with the shared spans marked in both.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, ParagraphSources, Workspace
from ui import render
from ui import text as T
from ui.handlers import guarded, notify, username

# Report which paragraph was clicked; delegated so it keeps working after the HTML is replaced.
CLICK_JS = """
element.addEventListener('click', (event) => {
  const p = event.target.closest('[data-key]');
  if (p) trigger('click', {key: p.dataset.key, index: Number(p.dataset.index)});
});
"""


def sources_html(src: ParagraphSources | None, fact_texts: dict[str, str] | None = None) -> str:
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
        parts.append(render.flag_list_html(list(src.flags), fact_texts))
    parts.append(f"<h4>{T.REVIEW_FACTS}</h4>")
    if not src.facts:
        parts.append(render.message_html(T.REVIEW_NO_FACTS, "warn"))
    for m in src.facts:
        parts.append(
            render.source_block_html(m.fact.id, m.fact.area or "", m.fact.text, m.fact_spans, "fact")
        )
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
    picked = gr.State({"key": "", "index": -1})

    with gr.Row(elem_classes="toolbar"):
        queue_pick = gr.Dropdown(label=T.REVIEW_QUEUE, choices=[], scale=4, elem_id="review-pick")
        open_btn = gr.Button(T.REVIEW_OPEN, scale=1, elem_id="review-open")
        refresh_btn = gr.Button(T.REVIEW_REFRESH, scale=1)
    status = gr.Markdown(T.REVIEW_NONE, elem_id="review-status")
    with gr.Row():
        with gr.Column(scale=3):
            doc = gr.HTML(render.draft_html(None), js_on_load=CLICK_JS, elem_id="review-draft")
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

    def queue_choices(user: str | None) -> list[tuple[str, str]]:
        if not service.access.can(user, "review"):
            return []
        return [
            (f"{d.title}（{d.owner}，第{d.review.version}版）", d.id)
            for d in service.reviews.review_queue(user)
        ]

    def comment_items(ws: Workspace) -> str:
        if not ws.comments:
            return render.message_html(T.COMMENTS_NONE)
        labels = {s.key: (s.heading or s.key) for s in ws.draft.sections}
        return render.comments_html(
            [
                (
                    c.status,
                    f"#{c.id} "
                    + T.COMMENT_ITEM.format(
                        version=c.version,
                        section=labels.get(c.section, c.section),
                        paragraph=c.paragraph + 1,
                        author=c.author,
                        text=c.text,
                    ),
                    c.quote,
                )
                for c in ws.comments
            ]
        )

    def show(user: str | None, did: str, selected: tuple[str, int] | None = None) -> dict:
        ws = service.drafts.open_draft(user, did)
        number = ws.review.version if ws.review.status == "in_review" and ws.review.version else ws.version
        if number != ws.version:
            ws = service.drafts.open_draft(user, did, number)
        return {
            draft_id: did,
            version: ws.version,
            status: _status_line(ws),
            doc: render.draft_html(ws.draft, clickable=True, selected=selected),
            comments: comment_items(ws),
        }

    @guarded
    def on_load(request: gr.Request):
        choices = queue_choices(username(request))
        return {
            queue_pick: gr.update(choices=choices, value=None),
            status: T.REVIEW_NONE if not choices else T.REVIEW_HINT,
        }

    @guarded
    def on_refresh(request: gr.Request):
        return gr.update(choices=queue_choices(username(request)))

    @guarded
    def on_open(request: gr.Request, did: str | None):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        return {**show(username(request), did), sources: sources_html(None), picked: {"key": "", "index": -1}}

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
            sources: sources_html(src, fact_texts),
            picked: {"key": key, "index": int(index)},
            doc: render.draft_html(ws.draft, clickable=True, selected=(str(key), int(index))),
        }

    @guarded
    def on_comment(request: gr.Request, did: str, number: int, sel: dict, body: str):
        if not did or not sel or sel.get("index", -1) < 0:
            raise gr.Error(T.COMMENT_NEED_PARAGRAPH, title=T.ERROR_TITLE)
        user = username(request)
        service.reviews.add_comment(user, did, int(number), sel["key"], int(sel["index"]), body)
        notify(T.COMMENT_ADDED)
        return {**show(user, did, (sel["key"], int(sel["index"]))), comment_text: ""}

    def _decide(request: gr.Request, did: str, number: int, decision: str, body: str) -> dict:
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        service.reviews.decide(user, did, int(number), decision, body)
        notify((T.APPROVED if decision == "approved" else T.RETURNED).format(version=number))
        return {**show(user, did), queue_pick: gr.update(choices=queue_choices(user)), note: ""}

    @guarded
    def on_approve(request: gr.Request, did: str, number: int, body: str):
        return _decide(request, did, number, "approved", body)

    @guarded
    def on_return(request: gr.Request, did: str, number: int, body: str):
        return _decide(request, did, number, "returned", body)

    shown = [draft_id, version, status, doc, comments]
    refresh_btn.click(on_refresh, None, [queue_pick])
    open_btn.click(on_open, [queue_pick], [*shown, sources, picked])
    doc.click(on_click, [draft_id, version], [sources, picked, doc])
    comment_btn.click(on_comment, [draft_id, version, picked, comment_text], [*shown, comment_text])
    approve_btn.click(on_approve, [draft_id, version, note], [*shown, queue_pick, note])
    return_btn.click(on_return, [draft_id, version, note], [*shown, queue_pick, note])
    return {"load": (on_load, [queue_pick, status])}
