"""HTML renderings for the pages: a draft as a page, flagged spans, diffs, sources, progress.

Pure functions from domain objects (and the service's view types) to escaped HTML strings. They
decide how things look, never what is true: flags, spans and diffs all come from the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from drafting.model import Draft, Flag, Section
from drafting.service.facade import (
    PART_LABELS,
    BackgroundIngest,
    Comment,
    ReviewStep,
    Workspace,
    section_notes,
)
from ui import text as T

Span = tuple[int, int]


def moment(stamp: str | None) -> str:
    """A stored time (ISO 8601, UTC) as the server's wall clock to the minute: 2026-07-05 09:30.

    The stores keep UTC so that servers agree; people read their own clock, without the "T".
    """
    if not stamp:
        return ""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # shown as stored rather than lost
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.strftime("%Y-%m-%d %H:%M")


def marked(text: str, spans: Iterable[tuple[int, int, str, str]]) -> str:
    """Escape ``text`` and wrap each (start, end, css class, tooltip) span in a <mark>.

    Overlapping spans are split into segments that carry every class covering them, so a number
    inside a flagged name is still marked as a number. Offsets outside the text are dropped, since
    a flag computed on an older text must not break the page.
    """
    valid = [(s, e, css, title) for s, e, css, title in spans if 0 <= s < e <= len(text)]
    if not valid:
        return escape(text)
    cuts = sorted({0, len(text), *(s for s, *_ in valid), *(e for _, e, *_ in valid)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = escape(text[a:b])
        covering = [(css, title) for s, e, css, title in valid if s <= a and b <= e]
        if not covering:
            out.append(piece)
            continue
        classes = " ".join(dict.fromkeys(c for css, _ in covering for c in css.split()))
        titles = "；".join(dict.fromkeys(t for _, t in covering))
        out.append(f'<mark class="{escape(classes)}" title="{escape(titles)}">{piece}</mark>')
    return "".join(out)


def flag_spans(flags: Iterable[Flag], section: str, paragraph: int) -> list[tuple[int, int, str, str]]:
    return [
        (f.start, f.end, f"flag flag-{f.kind}", T.FLAG_LABELS.get(f.kind, f.kind))
        for f in flags
        if f.section == section and f.paragraph == paragraph and f.start is not None and f.end is not None
    ]


def mode_label(mode: str) -> str:
    """How a section was written, for people: 离线模板撰写 or 模型 <name>."""
    if mode.startswith("llm:"):
        return T.MODE_LLM.format(model=mode[4:])
    if mode == "composer":
        return T.MODE_COMPOSER
    if mode == "edit":
        return T.MODE_EDIT
    return mode


def written_by(section: Section) -> str:
    """Who wrote a section's text now: 人工修改 once a person changed it, else how it was generated."""
    return T.MODE_EDIT if section.record.get("edited_by") else mode_label(section.mode)


def section_html(
    section: Section, flags: Sequence[Flag], *, clickable: bool = False, selected: int | None = None
) -> str:
    """One section: its heading (with who wrote it), its paragraphs with flagged spans marked."""
    parts = [f'<div class="doc-section" data-section="{escape(section.key)}">']
    # The tag sits once per section, on its heading line; a part heading alone was written by nobody.
    tag = f'<span class="doc-mode">{escape(written_by(section))}</span>' if section.paragraphs else ""
    if section.heading:
        parts.append(
            f'<p class="doc-h doc-h{min(max(section.level, 1), 4)}">{escape(section.heading)}{tag}</p>'
        )
    elif tag:
        parts.append(f'<p class="doc-mode-line">{tag}</p>')
    for i, para in enumerate(section.paragraphs):
        body = marked(para.text, flag_spans(flags, section.key, i))
        css = "doc-p"
        if para.kind == "heading":
            css = f"doc-h doc-h{min(max(para.level, 1), 4)}"
        if clickable:
            css += " clickable"
        if selected == i:
            css += " selected"
        attrs = f' data-key="{escape(section.key)}" data-index="{i}"' if clickable else ""
        parts.append(f'<p class="{css}"{attrs}>{body}</p>')
    if section.status == "failed":
        parts.append(
            f'<p class="doc-failed">{escape(T.SECTION_FAILED.format(error=section.error or ""))}</p>'
        )
    elif not section.paragraphs and section.status == "pending":
        parts.append(f'<p class="doc-empty">{escape(T.SECTION_EMPTY)}</p>')
    for note in section_notes(section) if section.paragraphs else []:
        parts.append(f'<p class="doc-repair">{escape(note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def draft_html(
    draft: Draft | None,
    *,
    flags: Sequence[Flag] | None = None,
    clickable: bool = False,
    selected: tuple[str, int] | None = None,
    show_modes: bool = True,
    empty: str = T.NO_DRAFT,
) -> str:
    """The whole draft laid out like a page (title, addressee, sections, signature)."""
    if draft is None:
        return f'<div class="doc-page empty">{escape(empty)}</div>'
    flags = draft.flags if flags is None else flags
    parts = ['<div class="doc-page' + ("" if show_modes else " no-modes") + '">']
    parts.append(f'<p class="doc-title">{escape(draft.title)}</p>')
    if draft.speaker:
        parts.append(f'<p class="doc-speaker">{escape(draft.speaker)}</p>')
    if draft.addressee:
        parts.append(f'<p class="doc-addressee">{escape(draft.addressee)}：</p>')
    if draft.greeting:
        parts.append(f'<p class="doc-greeting">{escape(draft.greeting)}</p>')
    for section in draft.sections:
        sel = selected[1] if selected and selected[0] == section.key else None
        parts.append(section_html(section, flags, clickable=clickable, selected=sel))
    if draft.signature:
        parts.append(f'<p class="doc-signature">{escape(draft.signature)}</p>')
    if draft.date:
        parts.append(f'<p class="doc-date">{escape(draft.date)}</p>')
    parts.append("</div>")
    return "".join(parts)


def flag_list_html(
    flags: Sequence[Flag], fact_texts: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> str:
    """Flags as a list a writer can act on (``labels`` name sections); an empty list says so plainly."""
    if not flags:
        return f'<div class="flag-list ok">{escape(T.NO_FLAGS)}</div>'
    items = []
    for f in flags:
        label = T.FLAG_LABELS.get(f.kind, f.kind)
        what = f.text
        if f.kind == "unused_fact" and fact_texts and f.detail in fact_texts:
            what = fact_texts[f.detail]
        section = (labels or {}).get(f.section or "", f.section)
        where = (
            T.FLAG_WHERE.format(section=section, n=f.paragraph + 1)
            if f.section and f.paragraph is not None
            else ""
        )
        items.append(
            f'<li><span class="badge flag-{escape(f.kind)}">{escape(label)}</span> {escape(what)}'
            f'<span class="muted">{escape(where)}</span></li>'
        )
    return f'<div class="flag-list"><p>{escape(T.FLAGS_COUNT.format(n=len(flags)))}</p><ul>{"".join(items)}</ul></div>'


def progress_html(done: int, total: int, note: str = "") -> str:
    """A whole-report progress bar: sections finished out of all sections."""
    pct = 0 if total <= 0 else round(100 * done / total)
    label = T.PROGRESS.format(done=done, total=total) + (f" · {note}" if note else "")
    return (
        f'<div class="progress" role="progressbar" aria-valuenow="{pct}" aria-valuemin="0" aria-valuemax="100">'
        f'<div class="progress-bar" style="width:{pct}%"></div>'
        f'<span class="progress-label">{escape(label)}</span></div>'
    )


def diff_html(rows: Sequence[tuple[str, Sequence[tuple[str, str]]]], left: str, right: str) -> str:
    """A version diff: rows of (kind, segments); segments are (op, text) with op '=', '+' or '-'."""
    if not rows:
        return f'<div class="diff empty">{escape(T.DIFF_EMPTY)}</div>'
    out = [f'<div class="diff"><p class="diff-head">{escape(T.DIFF_HEAD.format(a=left, b=right))}</p>']
    changed = 0
    for kind, segments in rows:
        changed += kind != "same"
        body = []
        for op, piece in segments:
            if op == "+":
                body.append(f"<ins>{escape(piece)}</ins>")
            elif op == "-":
                body.append(f"<del>{escape(piece)}</del>")
            else:
                body.append(escape(piece))
        out.append(f'<p class="diff-row diff-{kind}">{"".join(body)}</p>')
    if changed == 0:
        out.append(f'<p class="muted">{escape(T.DIFF_SAME)}</p>')
    out.append("</div>")
    return "".join(out)


def source_block_html(title: str, meta: str, text: str, spans: Sequence[Span], css: str) -> str:
    """One source (a fact or a past passage) with the spans it shares with the paragraph marked."""
    body = marked(text, [(s, e, f"match {css}", T.MATCH_TITLE) for s, e in spans])
    return (
        f'<div class="source {css}"><p class="source-title">{escape(title)}'
        f'<span class="muted"> {escape(meta)}</span></p><p class="source-text">{body}</p></div>'
    )


def message_html(message: str, kind: str = "info") -> str:
    return f'<div class="note note-{kind}">{escape(message)}</div>'


def background_ingest_html(state: BackgroundIngest | None) -> str:
    """The start-up ingest as a note above the knowledge page: running, done or failed; "" if none."""
    if state is None:
        return ""
    if state.running:
        if not state.last:
            return message_html(T.KB_BACKGROUND_STARTING.format(folder=state.folder))
        text = T.KB_BACKGROUND_RUNNING.format(
            folder=state.folder, percent=f"{state.fraction:.0%}", last=state.last
        )
        return message_html(text)
    if state.failed:
        return message_html(state.summary, "error")
    return message_html(T.KB_BACKGROUND_DONE.format(summary=state.summary), "ok")


def table_rows_html(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A small read-only table (for lists that need no editing)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="plain"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def live_flags_html(key: str, text: str, flags: Sequence[Flag], labels: dict[str, str] | None = None) -> str:
    """The section being edited, paragraph by paragraph, with flagged spans marked, then the flag list."""
    paragraphs = [line.strip() for line in (text or "").split("\n") if line.strip()]
    rows = "".join(
        f'<p class="doc-p">{marked(p, flag_spans(flags, key, i))}</p>' for i, p in enumerate(paragraphs)
    )
    preview = f'<div class="doc-page compact">{rows}</div>' if flags and rows else ""
    return preview + flag_list_html(flags, labels=labels)


def streaming_html(order: Sequence[tuple[str, str]], texts: dict[str, str]) -> str:
    """The report while it is being written: each section's text so far, in outline order."""
    parts = ['<div class="doc-page streaming">']
    for key, label in order:
        parts.append(f'<p class="doc-h doc-h2">{escape(label)}</p>')
        body = texts.get(key)
        if body is None:
            parts.append(f'<p class="doc-empty">{escape(T.SECTION_WAITING)}</p>')
            continue
        parts.extend(f'<p class="doc-p">{escape(line)}</p>' for line in body.split("\n") if line.strip())
    parts.append("</div>")
    return "".join(parts)


def draft_progress_html(draft: Draft | None) -> str:
    """The progress bar for a draft as saved: its written sections out of all of them."""
    if draft is None:
        return progress_html(0, 0, T.PROGRESS_WAITING)
    total = len(draft.sections)
    done = sum(1 for s in draft.sections if s.status == "done")
    note = T.PROGRESS_NOT_STARTED if done == 0 else (T.PROGRESS_PARTIAL if done < total else "")
    return progress_html(done, total, note)


def history_html(steps: Sequence[ReviewStep]) -> str:
    """A draft's review decisions, oldest first: when, what, which version, who, why, what was open."""
    if not steps:
        return message_html(T.HISTORY_NONE)
    rows = [
        (moment(s.at), s.label, f"第 {s.version} 版", s.actor, s.note or "—", s.override or "—")
        for s in steps
    ]
    return table_rows_html(T.HISTORY_HEADERS, rows).replace('class="plain"', 'class="plain history"', 1)


def return_reason_html(ws: Workspace) -> str:
    """The reviewer's reason while a draft stands returned, where the writer edits; else ""."""
    if not ws.return_reason:
        return ""
    step = ws.history[-1]
    head = T.RETURN_REASON.format(actor=step.actor, at=moment(step.at), version=step.version)
    return (
        f'<div class="note note-error return-reason"><strong>{escape(head)}</strong>'
        f"<p>{escape(ws.return_reason)}</p></div>"
    )


def writer_notes_html(ws: Workspace | None, key: str | None) -> str:
    """Beside the editor: the return reason, the open comments on this section, how many elsewhere."""
    if ws is None:
        return ""
    parts = [return_reason_html(ws)]
    here = [c for c in ws.open_comments if c.section == key]
    elsewhere = len(ws.open_comments) - len(here)
    if here:
        parts.append(f'<p class="notes-head">{escape(T.OPEN_COMMENTS_HERE.format(n=len(here)))}</p>')
        parts.append(comments_html([comment_item(ws, c) for c in here]))
    if elsewhere:
        parts.append(message_html(T.OPEN_COMMENTS_ELSEWHERE.format(n=elsewhere), "warn"))
    body = "".join(parts)
    return f'<div class="writer-notes">{body}</div>' if body else ""


def comment_item(ws: Workspace, c: Comment) -> tuple[str, str, str]:
    """One comment as comments_html lists it, its section named as on every other page."""
    line = T.COMMENT_ITEM.format(
        version=c.version,
        section=ws.section_label(c.section),
        paragraph=c.paragraph + 1,
        author=c.author,
        text=c.text,
    )
    return (c.status, f"#{c.id} {line}", c.quote)


def all_comments_html(ws: Workspace | None) -> str:
    """Every comment on the draft, open ones and resolved ones, oldest first."""
    if ws is None or not ws.comments:
        return message_html(T.COMMENTS_NONE)
    return comments_html([comment_item(ws, c) for c in ws.comments])


def fact_label(part: str, area: str | None) -> str:
    """A fact's place for people ("工作 · 干部教育培训"), never its id."""
    return PART_LABELS.get(part, part) + (f" · {area}" if area else "")


def comments_html(items: Sequence[tuple[str, str, str]]) -> str:
    """Comments as (status, line, quote of the paragraph) in a list; open ones stand out."""
    rows = []
    for status, line, quote in items:
        label = T.COMMENT_STATUS.get(status, status)
        rows.append(
            f'<li class="comment comment-{escape(status)}"><span class="badge status-{escape(status)}">'
            f"{escape(label)}</span> {escape(line)}"
            + (f'<br><span class="muted">“{escape(quote)}”</span>' if quote else "")
            + "</li>"
        )
    return f'<ul class="comments">{"".join(rows)}</ul>'


def page_preview_html(draft: Draft) -> str:
    """An HTML approximation of the Word layout (A4, 仿宋 16pt, 28.95pt lines) when LibreOffice is missing."""
    return draft_html(draft, flags=[], show_modes=False).replace('class="doc-page', 'class="doc-page a4', 1)
