"""The writing tab of the writer's page: pick a section, see its exemplars, edit it, save it.

The editor is checked against the facts as the writer types; pinning or dropping exemplars is kept
in the page's state until the next generation uses it. The generation buttons sit on this tab but
are wired by ui/draft/generation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafting.service.facade import PART_LABELS, SectionPlan, Workspace, section_notes
from drafting.service.views import SaveConflict
from ui import render
from ui import text as T
from ui.draft.context import DraftContext
from ui.handlers import guarded, notify, username


def plans_state(plans: list[SectionPlan]) -> dict[str, Any]:
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


EXEMPLAR_TEXT_SHOWN = 160  # characters of a passage in the table; rows stay a few lines tall


def exemplar_rows(plans: dict[str, Any], key: str | None, choices: dict[str, Any]) -> list[list[Any]]:
    """The exemplar table of one section: pinned, dropped, then the passage's source and text."""
    section = (plans.get("sections") or {}).get(key or "")
    if not section:
        return []
    chosen = choices.get(key or "", {})
    pinned, dropped = set(chosen.get("pinned", [])), set(chosen.get("dropped", []))
    return [
        [
            h["id"] in pinned,
            h["id"] in dropped,
            h["source"],
            h["period"],
            h["part"],
            f"{h['score']:.2f}",  # as text: a number column pads and wraps "0.935" over two lines
            _shortened(h["text"]),
        ]
        for h in section["hits"]
    ]


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXEMPLAR_TEXT_SHOWN else text[:EXEMPLAR_TEXT_SHOWN] + "……"


def section_text(ws: Workspace | None, key: str | None) -> str:
    """A section's paragraphs as the editor shows them, one per line."""
    if ws is None:
        return ""
    section = next((s for s in ws.draft.sections if s.key == key), None)
    return "\n".join(p.text for p in section.paragraphs) if section else ""


def section_mode(ws: Workspace | None, key: str | None) -> str:
    """Which section is open and how it was written (model, composer, by hand), or not yet."""
    section = next((s for s in ws.draft.sections if s.key == key), None) if ws else None
    if ws is None or section is None:
        return ""
    current = T.CURRENT_SECTION.format(label=ws.section_label(key))
    if not section.paragraphs:
        return f"{current} · " + T.SECTION_MODE.format(mode=T.SECTION_NOT_WRITTEN)
    note = "  \n".join(section_notes(section))
    mode = T.SECTION_MODE.format(mode=render.written_by(section))
    return f"{current} · {mode}" + (f"  \n{note}" if note else "")


@dataclass
class WritingPanel:
    """The components of the writing tab."""

    section: gr.Dropdown
    section_info: gr.Markdown
    notes: gr.HTML
    editor: gr.Textbox
    gen_one: gr.Button
    gen_all: gr.Button
    stop_btn: gr.Button
    save_btn: gr.Button
    progress: gr.HTML
    flags: gr.HTML
    exemplars: gr.Dataframe
    full: gr.HTML
    base: gr.State  # the version the editor's text was loaded from (a save checks it)
    conflict: gr.Group  # shown when someone else saved this section meanwhile
    conflict_msg: gr.Markdown
    load_theirs: gr.Button
    keep_mine: gr.Button


def build() -> WritingPanel:
    """Lay out the writing tab inside the current Tabs context."""
    with gr.Tab(T.STEP_WRITE, id="write"):
        with gr.Row():
            with gr.Column(scale=3):
                section = gr.Dropdown(label=T.SECTION, choices=[], elem_id="section-pick")
                section_info = gr.Markdown("", elem_id="section-info")
                editor = gr.Textbox(label=T.EDITOR, lines=12, max_lines=30, elem_id="editor")
                with gr.Row():
                    gen_one = gr.Button(T.GENERATE_SECTION, variant="primary", elem_id="gen-section")
                    gen_all = gr.Button(T.GENERATE_ALL, variant="primary", elem_id="gen-all")
                    stop_btn = gr.Button(T.CANCEL, variant="stop", elem_id="cancel")
                    save_btn = gr.Button(T.SAVE_SECTION, elem_id="save-section")
                base = gr.State(0)
                with gr.Group(visible=False, elem_id="save-conflict") as conflict:
                    conflict_msg = gr.Markdown("")
                    with gr.Row():
                        load_theirs = gr.Button(T.CONFLICT_LOAD_THEIRS, elem_id="conflict-theirs")
                        keep_mine = gr.Button(
                            T.CONFLICT_KEEP_MINE, variant="primary", elem_id="conflict-mine"
                        )
                progress = gr.HTML(render.progress_html(0, 0, T.PROGRESS_WAITING), elem_id="progress")
            with gr.Column(scale=2):
                # What the reviewer said sits beside the text it is about.
                notes = gr.HTML("", elem_id="writer-notes")
                gr.Markdown(f"**{T.FLAGS_TITLE}**")
                flags = gr.HTML("", elem_id="section-flags")
        # Full width: beside the editor the seven columns were squeezed into one-character strips.
        exemplars = gr.Dataframe(
            headers=T.EXEMPLAR_HEADERS,
            datatype=["bool", "bool", "str", "str", "str", "str", "str"],
            type="array",
            interactive=True,
            wrap=True,
            label=T.EXEMPLARS,
            max_height=520,
            column_widths=["6%", "6%", "16%", "9%", "5%", "5%", "53%"],
            static_columns=[2, 3, 4, 5, 6],
            elem_id="exemplars",
        )
        with gr.Accordion(T.FULL_TEXT, open=True):
            full = gr.HTML(render.draft_html(None), elem_id="full-draft")
    return WritingPanel(
        section,
        section_info,
        notes,
        editor,
        gen_one,
        gen_all,
        stop_btn,
        save_btn,
        progress,
        flags,
        exemplars,
        full,
        base,
        conflict,
        conflict_msg,
        load_theirs,
        keep_mine,
    )


def wire(page: DraftContext, writing: WritingPanel) -> None:
    """Switch sections, pin or drop exemplars, check the editor as it changes, save a section."""
    service = page.service

    @guarded
    def on_section(request: gr.Request, did: str, key: str, plan_data: dict, choice_data: dict):
        if not did or not key:
            return {}
        ws = service.drafts.open_draft(username(request), did)
        return {
            writing.base: ws.version,
            writing.editor: section_text(ws, key),
            writing.section_info: section_mode(ws, key),
            writing.notes: render.writer_notes_html(ws, key),
            writing.exemplars: exemplar_rows(plan_data, key, choice_data),
            writing.flags: render.flag_list_html(
                [f for f in ws.draft.flags if f.section == key], labels=ws.section_labels
            ),
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
        found = service.editing.check_section(username(request), did, key, text)
        labels = {k: v["label"] for k, v in (plan_data.get("sections") or {}).items()}
        return render.live_flags_html(key, text, found, labels)

    def save(request: gr.Request, did: str, key: str, text: str, base: int | None):
        if not did or not key:
            raise gr.Error(T.NEED_DRAFT, title=T.ERROR_TITLE)
        user = username(request)
        try:
            draft = service.editing.save_section(user, did, key, text, base_version=base)
        except SaveConflict as exc:  # nothing saved; the editor keeps this person's text
            return {writing.conflict: gr.update(visible=True), writing.conflict_msg: f"⚠ {exc}"}
        notify(T.SAVED.format(version=draft.version))
        return page.refresh(user, service.drafts.open_draft(user, did), key)

    @guarded
    def on_save(request: gr.Request, did: str, key: str, text: str, base: int):
        return save(request, did, key, text, int(base or 0) or None)

    @guarded
    def on_keep_mine(request: gr.Request, did: str, key: str, text: str):
        return save(request, did, key, text, None)

    @guarded
    def on_load_theirs(request: gr.Request, did: str, key: str):
        user = username(request)
        return page.refresh(user, service.drafts.open_draft(user, did), key)

    writing.section.input(
        on_section,
        [page.draft_id, writing.section, page.plans, page.choices],
        [writing.base, writing.editor, writing.section_info, writing.notes, writing.exemplars, writing.flags],
    )
    writing.exemplars.input(
        on_exemplars, [writing.exemplars, writing.section, page.plans, page.choices], [page.choices]
    )
    writing.editor.input(
        on_edit,
        [page.draft_id, writing.section, writing.editor, page.plans],
        [writing.flags],
        trigger_mode="always_last",
        show_progress="hidden",
    )
    edited = [page.draft_id, writing.section, writing.editor]
    targets = [*page.refresh_targets, writing.conflict_msg]
    writing.save_btn.click(on_save, [*edited, writing.base], targets, api_name="save_section")
    writing.keep_mine.click(on_keep_mine, edited, targets)
    writing.load_theirs.click(on_load_theirs, [page.draft_id, writing.section], targets)
