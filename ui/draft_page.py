"""The writer's page: facts in, section-by-section drafting with exemplars, versions, export, review.

Layout and wiring only; every decision (permissions, parsing, grounding, versions) is the service's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from drafting.service import PART_LABELS, DraftingService, SectionPlan, ServiceError, Workspace, sheet_rows
from ui import render
from ui import text as T
from ui.handlers import guarded, notify, username


def _plans_state(plans: list[SectionPlan]) -> dict[str, Any]:
    """Section plans as plain data for gr.State (keys in order, each with its exemplars)."""
    return {
        "order": [p.key for p in plans],
        "sections": {
            p.key: {
                "label": p.heading
                or (f"{PART_LABELS.get(p.part, p.part)}" + (f"：{p.area}" if p.area else "")),
                "facts": [f.id for f in p.facts],
                "hits": [
                    {
                        "id": h.passage.id,
                        "source": h.passage.source,
                        "period": h.passage.period or "",
                        "part": PART_LABELS.get(h.passage.part, h.passage.part),
                        "score": round(h.score, 3),
                        "text": h.passage.text,
                    }
                    for h in p.exemplars
                ],
            }
            for p in plans
        },
    }


def _exemplar_rows(plans: dict[str, Any], key: str | None, choices: dict[str, Any]) -> list[list[Any]]:
    section = (plans.get("sections") or {}).get(key or "")
    if not section:
        return []
    chosen = choices.get(key or "", {})
    pinned, dropped = set(chosen.get("pinned", [])), set(chosen.get("dropped", []))
    return [
        [h["id"] in pinned, h["id"] in dropped, h["source"], h["period"], h["part"], h["score"], h["text"]]
        for h in section["hits"]
    ]


def _section_text(ws: Workspace | None, key: str | None) -> str:
    if ws is None:
        return ""
    section = next((s for s in ws.draft.sections if s.key == key), None)
    return "\n".join(p.text for p in section.paragraphs) if section else ""


def _section_info(ws: Workspace | None, key: str | None) -> str:
    section = next((s for s in ws.draft.sections if s.key == key), None) if ws else None
    if section is None:
        return ""
    if not section.paragraphs:
        return T.SECTION_MODE.format(mode=T.SECTION_NOT_WRITTEN)
    mode = render.mode_label(section.mode)
    if section.record.get("edited_by"):
        mode += "（" + T.MODE_EDIT + "）"
    return T.SECTION_MODE.format(mode=mode)


def _labels(ws: Workspace) -> dict[str, str]:
    return {s.key: s.heading or PART_LABELS.get(s.part, s.key) for s in ws.draft.sections}


def _version_choices(ws: Workspace) -> list[tuple[str, int]]:
    choices = []
    for v in reversed(ws.versions):
        reason = T.REASONS.get(v.reason.split(":")[0], v.reason)
        choices.append(
            (
                T.VERSION_LABEL.format(
                    number=v.number,
                    created=v.created[:16].replace("T", " "),
                    author=v.author or "",
                    reason=reason,
                ),
                v.number,
            )
        )
    return choices


def _comment_choices(ws: Workspace) -> list[tuple[str, int]]:
    return [(f"#{c.id} {T.COMMENT_STATUS[c.status]} · {c.text[:30]}", c.id) for c in ws.comments]


def _comments_html(ws: Workspace | None) -> str:
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


def _status(ws: Workspace | None) -> str:
    if ws is None:
        return T.DRAFT_STATUS_NEW
    status = T.DRAFT_STATUS.format(
        title=ws.draft.title, version=ws.version, status=ws.review.label, owner=ws.owner or ""
    )
    return status + ("" if ws.can_edit else T.READ_ONLY)


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the draft page inside the current Blocks context and wire its events."""
    try:
        kinds = [(o.label, o.name) for o in service.outlines()]
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
        with gr.Tab(T.STEP_FACTS, id="facts"):
            with gr.Row():
                kind = gr.Dropdown(
                    label=T.KIND, choices=kinds, value=kinds[0][1] if kinds else None, scale=2, elem_id="kind"
                )
                org = gr.Textbox(label=T.ORG, placeholder=T.ORG_PLACEHOLDER, scale=2, elem_id="org")
                period = gr.Textbox(
                    label=T.PERIOD, placeholder=T.PERIOD_PLACEHOLDER, scale=2, elem_id="period"
                )
                next_period = gr.Textbox(
                    label=T.NEXT_PERIOD, placeholder=T.NEXT_PERIOD_PLACEHOLDER, scale=2, elem_id="next-period"
                )
            with gr.Tabs():
                with gr.Tab(T.FACTS_TABLE_TAB):
                    facts_table = gr.Dataframe(
                        value=[["工作", "", ""]],
                        headers=T.FACTS_HEADERS,
                        column_count=3,
                        type="array",
                        datatype="str",
                        interactive=True,
                        wrap=True,
                        label=T.FACTS_TABLE,
                        column_widths=["12%", "22%", "66%"],
                        elem_id="facts-table",
                    )
                    gr.Markdown(T.FACTS_PART_HINT, elem_classes="hint")
                with gr.Tab(T.FACTS_TEXT_TAB):
                    facts_text = gr.Textbox(
                        label=T.FACTS_TEXT,
                        lines=10,
                        placeholder=T.FACTS_TEXT_PLACEHOLDER,
                        info=T.FACTS_TEXT_HELP,
                        elem_id="facts-text",
                    )
                    parse_btn = gr.Button(T.FACTS_PARSE, elem_id="facts-parse")
            facts_msg = gr.HTML("", elem_id="facts-msg")
            prepare_btn = gr.Button(T.PREPARE, variant="primary", elem_id="prepare")

        with gr.Tab(T.STEP_WRITE, id="write"):
            with gr.Row():
                with gr.Column(scale=5):
                    section = gr.Dropdown(label=T.SECTION, choices=[], elem_id="section-pick")
                    section_info = gr.Markdown("", elem_id="section-info")
                    editor = gr.Textbox(label=T.EDITOR, lines=12, max_lines=30, elem_id="editor")
                    with gr.Row():
                        gen_one = gr.Button(T.GENERATE_SECTION, variant="primary", elem_id="gen-section")
                        gen_all = gr.Button(T.GENERATE_ALL, variant="primary", elem_id="gen-all")
                        stop_btn = gr.Button(T.CANCEL, variant="stop", elem_id="cancel")
                        save_btn = gr.Button(T.SAVE_SECTION, elem_id="save-section")
                    progress = gr.HTML(render.progress_html(0, 0, T.PROGRESS_WAITING), elem_id="progress")
                    gr.Markdown(f"**{T.FLAGS_TITLE}**")
                    flags = gr.HTML("", elem_id="section-flags")
                with gr.Column(scale=4):
                    exemplars = gr.Dataframe(
                        headers=T.EXEMPLAR_HEADERS,
                        datatype=["bool", "bool", "str", "str", "str", "number", "str"],
                        type="array",
                        interactive=True,
                        wrap=True,
                        label=T.EXEMPLARS,
                        max_height=620,
                        column_widths=["10%", "10%", "17%", "12%", "8%", "8%", "35%"],
                        static_columns=[2, 3, 4, 5, 6],
                        elem_id="exemplars",
                    )
            with gr.Accordion(T.FULL_TEXT, open=True):
                full = gr.HTML(render.draft_html(None), elem_id="full-draft")

        with gr.Tab(T.STEP_VERSIONS, id="versions"):
            with gr.Row(elem_classes="toolbar"):
                versions = gr.Dropdown(label=T.VERSIONS, choices=[], scale=4, elem_id="versions")
                restore_btn = gr.Button(T.RESTORE, scale=1, elem_id="restore")
            with gr.Row(elem_classes="toolbar"):
                diff_from = gr.Dropdown(label=T.DIFF_FROM, choices=[], scale=2, elem_id="diff-from")
                diff_to = gr.Dropdown(label=T.DIFF_TO, choices=[], scale=2, elem_id="diff-to")
                diff_btn = gr.Button(T.DIFF_RUN, scale=1, elem_id="diff-run")
            diff = gr.HTML(render.diff_html([], "", ""), elem_id="diff")

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

    # The components a refreshed workspace fills in, in one place so every handler agrees.
    fill_targets = [
        draft_id,
        status,
        kind,
        org,
        period,
        next_period,
        facts_table,
        section,
        editor,
        section_info,
        exemplars,
        full,
        flags,
        versions,
        diff_from,
        diff_to,
        comments,
        comment_pick,
        plans,
        choices,
        drafts,
    ]

    def fill(
        user: str | None,
        ws: Workspace | None,
        key: str | None = None,
        *,
        replan: bool = True,
        plan_data: dict | None = None,
        choice_data: dict | None = None,
    ) -> dict:
        """Every component showing the workspace, updated to ``ws`` (None: a blank new draft)."""
        listing = service.list_drafts(user)
        draft_choices = [(f"{d.title}（{d.review.label}，第{d.latest_version}版）", d.id) for d in listing]
        if ws is None:
            return {
                draft_id: "",
                status: T.DRAFT_STATUS_NEW + T.DRAFT_COUNT.format(n=len(listing)),
                org: "",
                period: "",
                next_period: "",
                facts_table: [["工作", "", ""]],
                section: gr.update(choices=[], value=None),
                editor: "",
                section_info: "",
                exemplars: [],
                full: render.draft_html(None),
                flags: "",
                versions: gr.update(choices=[], value=None),
                diff_from: gr.update(choices=[], value=None),
                diff_to: gr.update(choices=[], value=None),
                comments: _comments_html(None),
                comment_pick: gr.update(choices=[], value=None),
                plans: {"order": [], "sections": {}},
                choices: {},
                drafts: gr.update(choices=draft_choices, value=None),
            }
        did = ws.draft.id or ""
        plan_data = (
            plan_data
            if plan_data is not None
            else (_plans_state(service.plan(user, did)) if replan else {"order": [], "sections": {}})
        )
        choice_data = choice_data if choice_data is not None else {}
        keys = [s.key for s in ws.draft.sections]
        key = key if key in keys else (keys[0] if keys else None)
        labels = {k: v["label"] for k, v in plan_data["sections"].items()}
        section_choices = [(labels.get(s.key) or s.heading or s.key, s.key) for s in ws.draft.sections]
        version_choices = _version_choices(ws)
        previous = version_choices[1][1] if len(version_choices) > 1 else ws.version
        sheet = ws.sheet
        return {
            draft_id: did,
            status: _status(ws),
            kind: sheet.kind if sheet else gr.skip(),
            org: sheet.org if sheet else "",
            period: sheet.period if sheet else "",
            next_period: (sheet.next_period or "") if sheet else "",
            facts_table: sheet_rows(sheet) or [["工作", "", ""]],
            section: gr.update(choices=section_choices, value=key),
            editor: gr.update(value=_section_text(ws, key), interactive=ws.can_edit),
            section_info: _section_info(ws, key),
            exemplars: _exemplar_rows(plan_data, key, choice_data),
            full: render.draft_html(ws.draft),
            flags: render.flag_list_html([f for f in ws.draft.flags if f.section == key], labels=_labels(ws)),
            versions: gr.update(choices=version_choices, value=ws.version),
            diff_from: gr.update(choices=version_choices, value=previous),
            diff_to: gr.update(choices=version_choices, value=ws.version),
            comments: _comments_html(ws),
            comment_pick: gr.update(choices=_comment_choices(ws), value=None),
            plans: plan_data,
            choices: choice_data,
            drafts: gr.update(choices=draft_choices, value=did),
        }

    # ------------------------------------------------------------ loading and facts

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        outlines = service.outlines()
        kinds = [(o.label, o.name) for o in outlines]
        return {**fill(user, None), kind: gr.update(choices=kinds, value=kinds[0][1] if kinds else None)}

    @guarded
    def on_open(request: gr.Request, picked: str | None):
        if not picked:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        return fill(user, service.open_draft(user, picked))

    @guarded
    def on_new(request: gr.Request):
        return {**fill(username(request), None), tabs: gr.update(selected="facts")}

    @guarded
    def on_refresh(request: gr.Request, current: str):
        listing = service.list_drafts(username(request))
        return gr.update(
            choices=[(f"{d.title}（{d.review.label}，第{d.latest_version}版）", d.id) for d in listing],
            value=current or None,
        )

    @guarded
    def on_parse(request: gr.Request, text: str, kind_v: str, org_v: str, period_v: str, next_v: str):
        try:
            sheet = service.parse_facts_text(
                text, kind=kind_v or "", org=org_v or "", period=period_v or "", next_period=next_v
            )
        except ServiceError as exc:  # shown beside the text, where the writer fixes it
            return gr.skip(), render.message_html(T.FACTS_INVALID.format(error=exc), "error")
        rows = sheet_rows(sheet)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[0]] = counts.get(row[0], 0) + 1
        summary = "，".join(f"{part} {n} 条" for part, n in counts.items())
        return rows, render.message_html(T.FACTS_PARSED.format(n=len(rows), summary=summary), "ok")

    @guarded
    def on_prepare(
        request: gr.Request, current: str, rows: list, kind_v: str, org_v: str, period_v: str, next_v: str
    ):
        user = username(request)
        try:
            sheet = service.facts_from_rows(
                rows or [], kind=kind_v or "", org=org_v or "", period=period_v or "", next_period=next_v
            )
        except ServiceError as exc:
            return {facts_msg: render.message_html(T.FACTS_INVALID.format(error=exc), "error")}
        ws = service.start_draft(user, sheet, current or None)
        result = fill(user, ws)
        n = len(result[plans]["order"])
        return {
            **result,
            facts_msg: render.message_html(T.PREPARED.format(n=n), "ok"),
            tabs: gr.update(selected="write"),
        }

    # ------------------------------------------------------------ sections

    @guarded
    def on_section(request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict):
        if not did or not key:
            return {}
        ws = service.open_draft(username(request), did)
        return {
            editor: _section_text(ws, key),
            section_info: _section_info(ws, key),
            exemplars: _exemplar_rows(plan_data, key, choice_data),
            flags: render.flag_list_html([f for f in ws.draft.flags if f.section == key]),
        }

    def on_exemplars(rows: list, key: str, plan_data: dict, choice_data: dict):
        hits = ((plan_data.get("sections") or {}).get(key or "") or {}).get("hits", [])
        pinned = [h["id"] for h, row in zip(hits, rows or [], strict=False) if row and row[0] is True]
        dropped = [h["id"] for h, row in zip(hits, rows or [], strict=False) if row and row[1] is True]
        return {**choice_data, key: {"pinned": pinned, "dropped": dropped}}

    @guarded
    def on_edit(request: gr.Request, did: str, key: str, text: str, plan_data: dict):
        if not did or not key:
            return ""
        found = service.check_section(username(request), did, key, text)
        labels = {k: v["label"] for k, v in (plan_data.get("sections") or {}).items()}
        return render.live_flags_html(key, text, found, labels)

    @guarded
    def on_save(request: gr.Request, did: str, key: str, text: str, plan_data: dict, choice_data: dict):
        if not did or not key:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        draft = service.save_section(user, did, key, text)
        notify(T.SAVED.format(version=draft.version))
        return fill(user, service.open_draft(user, did), key, plan_data=plan_data, choice_data=choice_data)

    # ------------------------------------------------------------ generation

    def new_run() -> str:
        return uuid.uuid4().hex

    def _stream(
        request: gr.Request,
        did: str,
        key: str | None,
        plan_data: dict,
        choice_data: dict,
        rid: str,
        whole: bool,
    ) -> Iterator[dict]:
        if not did:
            raise gr.Error(T.NEED_PREPARE, title=T.ERROR_TITLE)
        user = username(request)
        order = plan_data.get("order") or []
        labels = {k: v["label"] for k, v in (plan_data.get("sections") or {}).items()}
        texts: dict[str, str] = {}
        done, total = 0, len(order) if whole else 1
        yield {progress: render.progress_html(0, total, T.PROGRESS_WAITING)}
        for event in service.generate(
            user, did, keys=None if whole else [key or ""], choices=choice_data, run_id=rid
        ):
            if event.kind == "delta" and event.key:
                texts[event.key] = texts.get(event.key, "") + event.text
            elif event.kind == "done" and event.section is not None:
                texts[event.section.key] = "\n".join(p.text for p in event.section.paragraphs)
            elif event.kind == "progress":
                done, total = event.done, max(event.total, 1)
            elif event.kind == "finished" and event.draft is not None:
                notify(T.GENERATED.format(version=event.draft.version))
                ws = service.open_draft(user, did)
                yield {
                    **fill(user, ws, key, plan_data=plan_data, choice_data=choice_data),
                    progress: render.progress_html(total, total),
                }
                return
            elif event.kind == "cancelled":
                notify(T.CANCELLED_NOTHING)
                yield {progress: render.progress_html(done, total, T.CANCELLED_NOTHING)}
                return
            elif event.kind == "error":
                yield {
                    progress: render.progress_html(done, total, T.GENERATION_FAILED.format(error=event.text))
                }
                raise gr.Error(T.GENERATION_FAILED.format(error=event.text), title=T.ERROR_TITLE)
            update: dict = {progress: render.progress_html(done, total)}
            if key in texts:
                update[editor] = texts[key]
            if whole:
                update[full] = render.streaming_html([(k, labels.get(k, k)) for k in order], texts)
            yield update

    @guarded
    def on_generate_section(
        request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict, rid: str
    ):
        if not key:
            raise gr.Error(T.NEED_PREPARE, title=T.ERROR_TITLE)
        yield from _stream(request, did, key, plan_data, choice_data, rid, whole=False)

    @guarded
    def on_generate_all(
        request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict, rid: str
    ):
        yield from _stream(request, did, key, plan_data, choice_data, rid, whole=True)

    def on_cancel(request: gr.Request, rid: str):
        if rid:
            service.cancel(username(request), rid)

    # ------------------------------------------------------------ versions, export, review

    @guarded
    def on_restore(request: gr.Request, did: str, number: int | None, key: str):
        if not did or not number:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        draft = service.restore(user, did, int(number))
        notify(T.RESTORED.format(old=number, new=draft.version))
        return fill(user, service.open_draft(user, did), key)

    @guarded
    def on_diff(request: gr.Request, did: str, old: int | None, new: int | None):
        if not did or not old or not new:
            return render.diff_html([], "", "")
        rows = service.diff(username(request), did, int(old), int(new))
        return render.diff_html([(r.kind, r.segments) for r in rows], str(old), str(new))

    @guarded
    def on_export(request: gr.Request, did: str, comments_on: bool):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        path = service.export_docx(username(request), did, comments=bool(comments_on))
        notify(T.EXPORTED.format(name=path.name))
        return str(path)

    @guarded
    def on_preview(request: gr.Request, did: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        result = service.preview(user, did)
        if result.pages:
            return gr.update(value=[str(p) for p in result.pages], visible=True), ""
        draft = service.open_draft(user, did).draft
        note = render.message_html(result.note, "warn") if result.note else ""
        return gr.update(visible=False), note + render.page_preview_html(draft)

    def _comment_status(request: gr.Request, did: str, comment_id: int | None, status_value: str, key: str):
        if not comment_id:
            raise gr.Error(T.COMMENT_PICK, title=T.ERROR_TITLE)
        user = username(request)
        service.set_comment_status(user, int(comment_id), status_value)
        return fill(user, service.open_draft(user, did), key)

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
        state = service.submit(user, did)
        notify(T.SUBMITTED.format(version=state.version))
        return fill(user, service.open_draft(user, did), key)

    @guarded
    def on_share(request: gr.Request, did: str, other: str):
        if not did:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        service.share(username(request), did, other)
        notify(T.SHARED.format(name=other.strip()))
        return ""

    # ------------------------------------------------------------ wiring

    outputs = fill_targets
    open_btn.click(on_open, [drafts], outputs)
    new_btn.click(on_new, None, [*outputs, tabs])
    refresh_btn.click(on_refresh, [draft_id], [drafts])
    parse_btn.click(on_parse, [facts_text, kind, org, period, next_period], [facts_table, facts_msg])
    # Named endpoints: scripts/load_ui.py drives these through gradio_client, as a browser would.
    prepare_btn.click(
        on_prepare,
        [draft_id, facts_table, kind, org, period, next_period],
        [*outputs, facts_msg, tabs],
        api_name="prepare",
    )
    section.input(on_section, [draft_id, section, plans, choices], [editor, section_info, exemplars, flags])
    exemplars.input(on_exemplars, [exemplars, section, plans, choices], [choices])
    editor.input(
        on_edit,
        [draft_id, section, editor, plans],
        [flags],
        trigger_mode="always_last",
        show_progress="hidden",
    )
    save_btn.click(on_save, [draft_id, section, editor, plans, choices], outputs)
    gen_inputs = [draft_id, section, plans, choices, run_id]
    gen_outputs = [*outputs, progress]
    # Generation shares one concurrency group so a few long runs cannot starve quick clicks.
    gen_one.click(new_run, None, [run_id]).then(
        on_generate_section, gen_inputs, gen_outputs, concurrency_id="generation", show_progress="hidden"
    )
    gen_all.click(new_run, None, [run_id]).then(
        on_generate_all,
        gen_inputs,
        gen_outputs,
        concurrency_id="generation",
        show_progress="hidden",
        api_name="generate_all",
    )
    stop_btn.click(on_cancel, [run_id], None, concurrency_limit=None)
    restore_btn.click(on_restore, [draft_id, versions, section], outputs)
    diff_btn.click(on_diff, [draft_id, diff_from, diff_to], [diff])
    export_btn.click(on_export, [draft_id, with_comments], [docx_file], api_name="export")
    preview_btn.click(
        on_preview, [draft_id], [pages, page_html], concurrency_id="preview", concurrency_limit=2
    )
    resolve_btn.click(on_resolve, [draft_id, comment_pick, section], outputs)
    reopen_btn.click(on_reopen, [draft_id, comment_pick, section], outputs)
    submit_btn.click(on_submit, [draft_id, section], outputs)
    share_btn.click(on_share, [draft_id, share_to], [share_to])
    return {"load": (on_load, [*outputs, kind])}
