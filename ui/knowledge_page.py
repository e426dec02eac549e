"""The knowledge-base page: upload past reports, see per-file results, list, open, search, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from drafting.service.facade import PART_LABELS, DraftingService
from ui import render
from ui import text as T
from ui.handlers import guarded, notify, username

UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf"]


def _doc_rows(docs: list[Any], attention: dict[str, list[str]]) -> list[list[Any]]:
    # Internal ids are hex strings a reader cannot use; the table shows a row number.
    return [
        [
            number,
            d.source,
            d.title,
            d.period or "",
            d.org or "",
            T.KIND_LABELS.get(d.kind, d.kind),
            d.passage_count,
            render.moment(d.ingested_at),
            "；".join(attention.get(d.id, [])),
        ]
        for number, d in enumerate(docs, start=1)
    ]


def _passage_rows(passages: list[Any]) -> list[list[Any]]:
    return [
        [_passage_label(n), PART_LABELS.get(p.part, p.part), p.heading, p.text]
        for n, p in enumerate(passages, start=1)
    ]


def _passage_label(number: int) -> str:
    return f"第 {number} 段"


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the knowledge-base page in the current Blocks context and wire its events."""
    # A folder ingested at start-up (`drafter serve --ingest`): how far it got, until it is done.
    background = gr.HTML("", elem_id="kb-background")
    background_timer = gr.Timer(2.0, active=False)
    # Searching is what most visits are for: it comes first, uploading and corrections below.
    with gr.Accordion(T.KB_SEARCH, open=True):
        with gr.Row(elem_classes="toolbar"):
            query = gr.Textbox(
                label=T.KB_QUERY, placeholder=T.KB_QUERY_PLACEHOLDER, scale=4, elem_id="kb-query"
            )
            part = gr.Dropdown(
                label=T.KB_PART,
                choices=[(T.KB_ANY, "")] + [(v, k) for k, v in PART_LABELS.items()],
                value="",
                scale=1,
            )
            year = gr.Textbox(label=T.KB_YEAR, placeholder=T.KB_YEAR_PLACEHOLDER, scale=1)
            org = gr.Textbox(label=T.KB_ORG, scale=1)
            k = gr.Slider(label=T.KB_K, minimum=1, maximum=20, step=1, value=8, scale=1)
        search_btn = gr.Button(T.KB_SEARCH, variant="primary", elem_id="kb-search")
        hits = gr.HTML("", elem_id="kb-hits")

    with gr.Row():
        with gr.Column(scale=2):
            upload = gr.File(
                label=T.KB_UPLOAD,
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                type="filepath",
                elem_id="kb-upload",
            )
            ingest_btn = gr.Button(T.KB_INGEST, variant="primary", elem_id="kb-ingest")
        with gr.Column(scale=3):
            results = gr.Dataframe(
                headers=T.KB_RESULT_HEADERS,
                type="array",
                interactive=False,
                wrap=True,
                label=T.KB_RESULTS,
                column_widths=["40%", "12%", "12%", "36%"],
                elem_id="kb-results",
            )

    with gr.Accordion(T.KB_DOCS, open=True):
        refresh_btn = gr.Button(T.KB_REFRESH, size="sm")
        docs = gr.Dataframe(
            headers=T.KB_DOC_HEADERS,
            type="array",
            interactive=False,
            wrap=True,
            max_height=360,
            # Sized to fit 1440 px: without widths the last columns were pushed out of view.
            column_widths=["9%", "17%", "21%", "9%", "11%", "7%", "6%", "10%", "10%"],
            elem_id="kb-docs",
        )
        with gr.Row(elem_classes="toolbar"):
            doc_pick = gr.Dropdown(label=T.KB_DOC_PICK, choices=[], scale=4, elem_id="kb-doc-pick")
            open_btn = gr.Button(T.KB_DOC_OPEN, scale=1, elem_id="kb-doc-open")
            remove_btn = gr.Button(T.KB_DOC_REMOVE, variant="stop", scale=1, elem_id="kb-doc-remove")
        with gr.Row():
            doc_text = gr.Textbox(
                label=T.KB_DOC_TEXT, lines=14, max_lines=14, interactive=False, scale=3, elem_id="kb-doc-text"
            )
            removed = gr.Dataframe(
                headers=T.KB_REMOVED_HEADERS,
                type="array",
                interactive=False,
                wrap=True,
                label=T.KB_REMOVED_LINES,
                max_height=360,
                column_widths=["14%", "56%", "30%"],
                scale=2,
                elem_id="kb-removed",
            )

    with gr.Accordion(T.KB_FIX, open=False, elem_id="kb-fix"):
        with gr.Row():
            fix_title = gr.Textbox(label=T.KB_FIX_TITLE, scale=4, elem_id="kb-fix-title")
            fix_kind = gr.Dropdown(
                label=T.KB_FIX_KIND, choices=[(v, k) for k, v in T.KIND_LABELS.items()], scale=1
            )
            fix_year = gr.Textbox(label=T.KB_FIX_YEAR, scale=1, elem_id="kb-fix-year")
            fix_period = gr.Textbox(label=T.KB_FIX_PERIOD, scale=2, elem_id="kb-fix-period")
            fix_org = gr.Textbox(label=T.KB_FIX_ORG, scale=2, elem_id="kb-fix-org")
        fix_btn = gr.Button(T.KB_FIX_SAVE, elem_id="kb-fix-save")
        passages = gr.Dataframe(
            headers=T.KB_PASSAGE_HEADERS,
            type="array",
            interactive=False,
            wrap=True,
            max_height=360,
            label=T.KB_PASSAGES,
            column_widths=["16%", "8%", "22%", "54%"],
            elem_id="kb-passages",
        )
        with gr.Row(elem_classes="toolbar"):
            move_passage = gr.Dropdown(label=T.KB_MOVE_PASSAGE, choices=[], multiselect=True, scale=3)
            move_heading = gr.Dropdown(label=T.KB_MOVE_HEADING, choices=[], scale=3)
            move_part = gr.Dropdown(
                label=T.KB_MOVE_PART, choices=[(v, k) for k, v in PART_LABELS.items()], value="work", scale=1
            )
            move_btn = gr.Button(T.KB_MOVE, scale=1, elem_id="kb-move")

    def doc_updates(user: str | None) -> tuple[list[list[Any]], dict]:
        listing = service.knowledge.documents(user)
        attention = service.knowledge.attention(user)
        choices = [(f"{'⚠ ' if d.id in attention else ''}{d.source}（{d.title}）", d.id) for d in listing]
        return _doc_rows(listing, attention), gr.update(choices=choices, value=None)

    def correction_updates(user: str | None, doc_id: str) -> tuple[Any, ...]:
        doc = service.knowledge.document(user, doc_id)
        found = service.knowledge.passages(user, doc_id)
        headings = [o.text for o in doc.outline]
        return (
            doc.title,
            doc.kind,
            str(doc.year or ""),
            doc.period or "",
            doc.org or "",
            _passage_rows(found),
            gr.update(
                choices=[(f"{_passage_label(n)}  {p.text[:20]}", p.id) for n, p in enumerate(found, start=1)],
                value=[],
            ),
            gr.update(choices=headings, value=None),
        )

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        state = service.knowledge.background_ingest(user)
        return {
            remove_btn: gr.update(visible=service.access.can(user, "remove_documents")),
            background: render.background_ingest_html(state),
            background_timer: gr.Timer(active=bool(state and state.running)),
        }

    @guarded
    def on_background_tick(request: gr.Request):
        user = username(request)
        state = service.knowledge.background_ingest(user)
        if state is not None and state.running:
            return {background: render.background_ingest_html(state)}
        # Finished: the note says how it ended, the list shows what came in, and the polling stops.
        listing, picker = doc_updates(user)
        return {
            background: render.background_ingest_html(state),
            background_timer: gr.Timer(active=False),
            docs: listing,
            doc_pick: picker,
        }

    @guarded
    def on_refresh(request: gr.Request):
        return doc_updates(username(request))

    @guarded
    def on_ingest(request: gr.Request, files: list[str] | None, progress=gr.Progress()):  # noqa: B008 - how Gradio injects it
        if not files:
            raise gr.Error(T.KB_INGEST_NONE, title=T.ERROR_TITLE)
        user = username(request)
        progress(0, desc=T.KB_INGEST)
        # Gradio keeps each upload under its original file name in a temporary folder.
        pairs = [(Path(f).name, Path(f)) for f in files]
        outcome = service.knowledge.ingest(
            user, pairs, progress=lambda fraction, message: progress(fraction, desc=message)
        )
        rows = [[r.name, r.status, r.passages, r.reason] for r in outcome]
        return (rows, *doc_updates(user), None)

    @guarded
    def on_open(request: gr.Request, doc_id: str | None):
        if not doc_id:
            raise gr.Error(T.KB_DOC_PICK, title=T.ERROR_TITLE)
        user = username(request)
        doc = service.knowledge.document(user, doc_id)
        lines = [[r.line_no + 1, r.text, r.reason] for r in doc.removed]
        return (doc.cleaned_text, lines, *correction_updates(user, doc_id))

    @guarded
    def on_fix(
        request: gr.Request, doc_id: str | None, title: str, kind: str, year_v: str, period: str, org: str
    ):
        if not doc_id:
            raise gr.Error(T.KB_DOC_PICK, title=T.ERROR_TITLE)
        year_text = (year_v or "").strip()
        if year_text and not (year_text.isdigit() and len(year_text) == 4):
            raise gr.Error(T.KB_FIX_YEAR_INVALID.format(value=year_text), title=T.ERROR_TITLE)
        user = username(request)
        record = service.knowledge.correct_document(
            user,
            doc_id,
            title=title,
            kind=kind,
            year=int(year_text) if year_text else None,
            period=period.strip() or None,
            org=org.strip() or None,
        )
        notify(T.KB_FIX_SAVED.format(title=record.title))
        rows, _ = doc_updates(user)
        return (rows, *correction_updates(user, doc_id))

    @guarded
    def on_move(
        request: gr.Request, doc_id: str | None, ids: list[str] | None, heading: str | None, part_v: str
    ):
        if not doc_id:
            raise gr.Error(T.KB_DOC_PICK, title=T.ERROR_TITLE)
        if not ids and not heading:
            raise gr.Error(T.KB_MOVE_NONE, title=T.ERROR_TITLE)
        user = username(request)
        moved = service.knowledge.move_to_part(
            user, doc_id, part_v, passage_ids=ids or [], heading=heading or None
        )
        notify(T.KB_MOVED.format(count=len(moved), part=PART_LABELS.get(part_v, part_v)))
        rows, _ = doc_updates(user)
        return (rows, *correction_updates(user, doc_id))

    @guarded
    def on_remove(request: gr.Request, doc_id: str | None):
        if not doc_id:
            raise gr.Error(T.KB_DOC_PICK, title=T.ERROR_TITLE)
        user = username(request)
        name = service.knowledge.document(user, doc_id).source
        recleaned = service.knowledge.remove_document(user, doc_id)
        notify(T.KB_DOC_REMOVED.format(name=name))
        # Documents that shared a header with the removed one got those lines back.
        for r in recleaned:
            notify(T.KB_DOC_RECLEANED.format(status=r.status, name=r.name, reason=r.reason))
        return (*doc_updates(user), "", [])

    @guarded
    def on_search(request: gr.Request, q: str, part_v: str, year_v: str, org_v: str, k_v: float):
        year_text = (year_v or "").strip()
        if year_text and not (year_text.isdigit() and len(year_text) == 4):
            raise gr.Error(T.KB_YEAR_INVALID.format(value=year_text), title=T.ERROR_TITLE)
        found = service.knowledge.search(
            username(request),
            q,
            part=part_v or None,
            year=int(year_text) if year_text else None,
            org=org_v,
            k=int(k_v or 8),
        )
        if not found:
            return render.message_html(T.KB_SEARCH_NONE)
        aids = service.knowledge.search_aids(username(request), q, part=part_v or None)
        notes = []
        if aids.related_words:
            notes.append(T.KB_SEARCH_RELATED.format(words="、".join(aids.related_words)))
        if aids.preferred_parts:
            notes.append(
                T.KB_SEARCH_PREFERS.format(parts="、".join(PART_LABELS[p] for p in aids.preferred_parts))
            )
        rows = [
            [
                f"{h.score:.3f}",
                h.passage.source,
                h.passage.period or "",
                PART_LABELS.get(h.passage.part, ""),
                h.passage.heading,
                h.passage.text,
            ]
            for h in found
        ]
        note = render.message_html("；".join(notes)) if notes else ""
        return note + render.table_rows_html(T.KB_SEARCH_HEADERS, rows)

    ingest_btn.click(
        on_ingest, [upload], [results, docs, doc_pick, upload], concurrency_id="ingest", concurrency_limit=1
    )
    refresh_btn.click(on_refresh, None, [docs, doc_pick])
    fix_outputs = [fix_title, fix_kind, fix_year, fix_period, fix_org, passages, move_passage, move_heading]
    open_btn.click(on_open, [doc_pick], [doc_text, removed, *fix_outputs])
    fix_btn.click(
        on_fix, [doc_pick, fix_title, fix_kind, fix_year, fix_period, fix_org], [docs, *fix_outputs]
    )
    move_btn.click(on_move, [doc_pick, move_passage, move_heading, move_part], [docs, *fix_outputs])
    remove_btn.click(on_remove, [doc_pick], [docs, doc_pick, doc_text, removed])
    search_btn.click(on_search, [query, part, year, org, k], [hits], api_name="search")
    query.submit(on_search, [query, part, year, org, k], [hits])
    background_timer.tick(on_background_tick, None, [background, background_timer, docs, doc_pick])
    return {
        "load": (on_load, [remove_btn, background, background_timer]),
        "refresh": (on_refresh, [docs, doc_pick]),
    }
