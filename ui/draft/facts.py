"""The facts tab of the writer's page: report kind, organisation, period, and the facts themselves.

Facts are typed into a table or pasted as text (parsed into the table); "prepare" saves them as a
draft whose sections are still empty and moves on to the writing tab.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from drafting.service.facade import ServiceError, sheet_rows
from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, username


@dataclass
class FactsPanel:
    """The components of the facts tab."""

    kind: gr.Dropdown
    org: gr.Textbox
    period: gr.Textbox
    next_period: gr.Textbox
    superior: gr.Textbox
    plain_headings: gr.Checkbox
    date: gr.Textbox
    facts_table: gr.Dataframe
    facts_text: gr.Textbox
    parse_btn: gr.Button
    facts_msg: gr.HTML
    prepare_btn: gr.Button


def build(kinds: list[tuple[str, str]]) -> FactsPanel:
    """Lay out the facts tab inside the current Tabs context; ``kinds`` are (label, outline name)."""
    with gr.Tab(T.STEP_FACTS, id="facts"):
        with gr.Row():
            kind = gr.Dropdown(
                label=T.KIND, choices=kinds, value=kinds[0][1] if kinds else None, scale=2, elem_id="kind"
            )
            org = gr.Textbox(label=T.ORG, placeholder=T.ORG_PLACEHOLDER, scale=2, elem_id="org")
            period = gr.Textbox(label=T.PERIOD, placeholder=T.PERIOD_PLACEHOLDER, scale=2, elem_id="period")
            next_period = gr.Textbox(
                label=T.NEXT_PERIOD, placeholder=T.NEXT_PERIOD_PLACEHOLDER, scale=2, elem_id="next-period"
            )
        with gr.Row():
            superior = gr.Textbox(
                label=T.SUPERIOR, placeholder=T.SUPERIOR_PLACEHOLDER, scale=3, elem_id="superior"
            )
            date = gr.Textbox(
                label=T.DOC_DATE, placeholder=T.DOC_DATE_PLACEHOLDER, scale=2, elem_id="doc-date"
            )
            plain_headings = gr.Checkbox(
                label=T.PLAIN_HEADINGS, value=False, scale=1, elem_id="plain-headings"
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
    return FactsPanel(
        kind,
        org,
        period,
        next_period,
        superior,
        plain_headings,
        date,
        facts_table,
        facts_text,
        parse_btn,
        facts_msg,
        prepare_btn,
    )


def wire(page: DraftContext, facts: FactsPanel) -> None:
    """Parse pasted facts into the table; prepare a draft from the table."""
    service = page.service

    @guarded
    def on_parse(
        request: gr.Request, text: str, kind_v: str, org_v: str, period_v: str, next_v: str, date_v: str
    ):
        try:
            sheet = service.drafts.parse_facts_text(
                text,
                kind=kind_v or "",
                org=org_v or "",
                period=period_v or "",
                next_period=next_v,
                date=date_v,
            )
        except ServiceError as exc:  # shown beside the text, where the writer fixes it
            error = render.message_html(T.FACTS_INVALID.format(error=exc), "error")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), error
        rows = sheet_rows(sheet)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[0]] = counts.get(row[0], 0) + 1
        summary = "，".join(f"{part} {n} 条" for part, n in counts.items())
        parsed = render.message_html(T.FACTS_PARSED.format(n=len(rows), summary=summary), "ok")
        # Header lines of the text (上级：…, 小标题：原样, 成文日期：…) land in their own fields, not lost.
        superior = sheet.superior if sheet.superior else gr.skip()
        plain = True if sheet.headings == "plain" else gr.skip()
        return rows, superior, plain, sheet.date or gr.skip(), parsed

    @guarded
    def on_prepare(
        request: gr.Request,
        current: str,
        rows: list,
        kind_v: str,
        org_v: str,
        period_v: str,
        next_v: str,
        superior_v: str,
        plain_v: bool,
        date_v: str,
    ):
        user = username(request)
        try:
            sheet = service.drafts.facts_from_rows(
                rows or [],
                kind=kind_v or "",
                org=org_v or "",
                period=period_v or "",
                next_period=next_v,
                superior=superior_v,
                plain_headings=bool(plain_v),
                date=date_v,
            )
        except ServiceError as exc:
            return {facts.facts_msg: render.message_html(T.FACTS_INVALID.format(error=exc), "error")}
        ws = service.drafts.start_draft(user, sheet, current or None)
        result = page.fill(user, ws)
        n = len(result[page.plans]["order"])
        return {
            **result,
            facts.facts_msg: render.message_html(T.PREPARED.format(n=n), "ok"),
            page.tabs: gr.update(selected="write"),
        }

    facts.parse_btn.click(
        on_parse,
        [facts.facts_text, facts.kind, facts.org, facts.period, facts.next_period, facts.date],
        [facts.facts_table, facts.superior, facts.plain_headings, facts.date, facts.facts_msg],
    )
    # Named endpoint: scripts/load_ui.py drives it through gradio_client, as a browser would.
    facts.prepare_btn.click(
        on_prepare,
        [
            page.draft_id,
            facts.facts_table,
            facts.kind,
            facts.org,
            facts.period,
            facts.next_period,
            facts.superior,
            facts.plain_headings,
            facts.date,
        ],
        [*page.targets, facts.facts_msg, page.tabs],
        api_name="prepare",
    )
