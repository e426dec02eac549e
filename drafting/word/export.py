"""Export a Draft as a Word document in the official layout (GB/T 9704-2012).

The exporter writes the report's parts in the standard's order (title block, addressee,
sections, signature) using style names only; docx_styles applies the LayoutProfile to those
styles, or an organisation's reference .docx supplies its own. Placeholders the writer still has
to fill are highlighted, and on request each paragraph's sources become Word comments, so a
reviewer can check the draft in Word itself.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import docx
from docx.document import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from drafting.facts.dates import DATE_PLACEHOLDER, normalise_date
from drafting.model import Draft, Flag, Paragraph
from drafting.word import styles
from drafting.word.layout import LayoutProfile, split_title, text_width_chars
from drafting.word.properties import set_properties

COMMENT_AUTHOR = "起草助手"
COMMENT_INITIALS = "起草"
PLACEHOLDER = re.compile(r"【待补充[^】]*】")
HIGHLIGHTED_FLAG_KINDS = frozenset({"unsupported_number", "unsupported_name", "unsupported_quote"})

# Characters XML 1.0 forbids (python-docx raises on them) and the two non-characters.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ExportError(Exception):
    """An export that cannot be done; the message is for the user (Chinese)."""


class Exporter(Protocol):
    """Writes a Draft to a file and returns the path written."""

    def export(self, draft: Draft, out: Path, *, comments: bool = False) -> Path: ...


# ---------------------------------------------------------------- text clean-up


def clean_text(text: str | None) -> str:
    """Text safe for XML: control characters, lone surrogates and U+FFFE/U+FFFF removed.

    Line breaks are normalised to "\\n"; tabs are kept.
    """
    if not text:
        return ""
    return _XML_ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def with_colon(line: str) -> str:
    """An addressee or greeting line ends with one full-width colon."""
    return line.rstrip().rstrip(":：").rstrip() + "："


# ---------------------------------------------------------------- highlight spans


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of 【待补充：…】 placeholders."""
    return [m.span() for m in PLACEHOLDER.finditer(text)]


def flag_spans(flag: Flag, text: str) -> list[tuple[int, int]]:
    """Where a flag points in a paragraph's text: its offsets when they still match, else its text."""
    span = _offsets(flag, len(text))
    if span and (not flag.text or text[span[0] : span[1]] == flag.text):
        return [span]
    if not flag.text:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(flag.text), text)]


def _offsets(flag: Flag, length: int) -> tuple[int, int] | None:
    if flag.start is None or flag.end is None or not 0 <= flag.start < flag.end <= length:
        return None
    return flag.start, flag.end


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def segments(
    text: str, marks: dict[WD_COLOR_INDEX, list[tuple[int, int]]]
) -> list[tuple[str, WD_COLOR_INDEX | None]]:
    """Cut text into (piece, highlight colour) runs; earlier colours in `marks` win overlaps."""
    colour_at: list[WD_COLOR_INDEX | None] = [None] * len(text)
    for colour, spans in reversed(list(marks.items())):
        for start, end in _merge(spans):
            for i in range(max(start, 0), min(end, len(text))):
                colour_at[i] = colour
    pieces: list[tuple[str, WD_COLOR_INDEX | None]] = []
    for i, ch in enumerate(text):
        if pieces and pieces[-1][1] == colour_at[i]:
            pieces[-1] = (pieces[-1][0] + ch, colour_at[i])
        else:
            pieces.append((ch, colour_at[i]))
    return pieces


# ---------------------------------------------------------------- the exporter


@dataclass
class _Body:
    """Writes paragraphs into the document, returning their runs so comments can anchor on them."""

    doc: Document

    def add(self, style: str, text: str, marks=None) -> list[Run]:
        """One paragraph per line of text; returns all runs written (empty for blank text).

        `marks` maps a highlight colour to spans of `text`; offsets refer to the text as given,
        so clean-up happens piece by piece after cutting, not before.
        """
        runs: list[Run] = []
        paragraph: DocxParagraph | None = None
        for piece, colour in segments(text, marks or {}):
            for i, line in enumerate(clean_text(piece).split("\n")):
                if paragraph is None or i > 0:
                    paragraph = self.doc.add_paragraph(style=style)
                if line:
                    run = paragraph.add_run(line)
                    if colour is not None:
                        run.font.highlight_color = colour
                    runs.append(run)
        return runs

    def blank(self) -> None:
        self.doc.add_paragraph(style=styles.NORMAL)


class DocxExporter:
    """The Word exporter: GB/T 9704 layout by default, or an organisation's reference .docx.

    With `reference_docx`, the export starts from that document (its styles, header, footer and
    page setup), drops its body content but keeps its final section properties, and uses its
    Title, Heading 1-4 and Normal styles as they are. `highlight_flags` also highlights spans the
    grounding check flagged (unsupported numbers, names, quotes) in turquoise, placeholders
    staying yellow.
    """

    def __init__(
        self,
        profile: LayoutProfile | None = None,
        reference_docx: Path | None = None,
        *,
        highlight_flags: bool = False,
    ) -> None:
        self.profile = profile or LayoutProfile()
        self.reference_docx = Path(reference_docx) if reference_docx else None
        # The reference is opened at each export, not here: a settings file naming a missing
        # template must not stop the application from starting, only the export that needs it.
        self.highlight_flags = highlight_flags
        # Opening a template and setting up its styles cost three times what reopening the
        # result does, and each export needs its own copy: the prepared package is kept as bytes.
        self._prepared: tuple[object, bytes] | None = None

    def export(self, draft: Draft, out: Path, *, comments: bool = False) -> Path:
        """Write `draft` to `out` (".docx" appended if missing) atomically; returns the path.

        Raises ExportError for an empty draft, an unusable reference .docx or an unwritable path.
        """
        out = Path(out)
        if out.suffix.lower() != ".docx":
            out = out.with_name(out.name + ".docx")
        if not clean_text(draft.title).strip() and not any(
            p.text.strip() for s in draft.sections for p in s.paragraphs
        ):
            raise ExportError("草稿为空：没有标题也没有正文，无法导出。")
        doc = self._new_document()
        self._write(doc, draft, comments=comments)
        # The properties are XML too: an organisation name pasted with a control character in it
        # made python-docx refuse the whole export.
        plain = replace(
            draft,
            org=clean_text(draft.org),
            signature=clean_text(draft.signature),
            period=clean_text(draft.period),
        )
        set_properties(doc, plain, " ".join(clean_text(draft.title).split()))
        return write_atomically(out, doc.save)

    # ------------------------------------------------------------ document set-up

    def _new_document(self) -> Document:
        key = self._template_key()
        prepared = self._prepared
        if prepared is None or prepared[0] != key:
            buffer = io.BytesIO()
            self._prepare_template().save(buffer)
            prepared = self._prepared = (key, buffer.getvalue())
        return docx.Document(io.BytesIO(prepared[1]))

    def _template_key(self) -> object:
        """What the prepared template depends on: the profile, and the reference file as it is now
        (an organisation may replace its template while the application runs)."""
        if self.reference_docx is None:
            return self.profile
        try:
            stat = self.reference_docx.stat()
        except OSError:
            return (self.profile, self.reference_docx, None)  # _open_reference says what is wrong
        return (self.profile, self.reference_docx, stat.st_mtime_ns, stat.st_size)

    def _prepare_template(self) -> Document:
        if self.reference_docx is None:
            doc = docx.Document()
            styles.apply_profile(doc, self.profile)
            return doc
        doc = self._open_reference()
        body = doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):  # keep the final section: page setup, header, footer
                body.remove(child)
        # Styles the organisation may not have get layout only; its Normal decides the look.
        styles.ensure_heading_outline(doc)
        styles.ensure_structural_style(doc, styles.TITLE, align="center")
        styles.ensure_structural_style(doc, styles.ADDRESSEE, align="left")
        styles.ensure_structural_style(doc, styles.SPEAKER, align="center")
        styles.ensure_structural_style(doc, styles.SIGNATURE, align="right")
        styles.ensure_structural_style(doc, styles.COMMENT_TEXT, align="left")
        return doc

    def _open_reference(self) -> Document:
        path = self.reference_docx
        assert path is not None
        if not path.is_file():
            raise ExportError(f"找不到参考模板：{path}")
        try:
            return docx.Document(str(path))
        except ValueError as exc:  # python-docx refuses .dotx/.docm by content type
            raise ExportError(
                f"参考模板不是 Word 文档（.docx）：{path}。模板文件请在 Word 中另存为 .docx。（{exc}）"
            ) from None
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise ExportError(f"参考模板无法打开，可能已损坏或不是 .docx 文件：{path}（{exc}）") from None

    # ------------------------------------------------------------ content

    def _write(self, doc: Document, draft: Draft, *, comments: bool) -> None:
        body = _Body(doc)
        is_speech = bool(draft.speaker and draft.speaker.strip()) or draft.kind == "speech"
        title = clean_text(draft.title).strip()
        if title:
            self._title(doc, title)
        if is_speech:
            if draft.speaker and clean_text(draft.speaker).strip():
                body.add(styles.SPEAKER, clean_text(draft.speaker).strip())
            if draft.date and clean_text(draft.date).strip():
                body.add(styles.SPEAKER, "（" + normalise_date(clean_text(draft.date)).strip("（）()") + "）")
        if title:
            body.blank()  # the standard's one blank line under the title block
        for line in (draft.addressee, draft.greeting):
            if line and clean_text(line).strip():
                body.add(styles.ADDRESSEE, with_colon(clean_text(line).strip()))
        flags = _flags_by_paragraph(draft) if self.highlight_flags else {}
        for section in draft.sections:
            heading = clean_text(section.heading).strip()
            if heading:
                body.add(_heading_style(section.level), heading)
            for index, paragraph in enumerate(section.paragraphs):
                style = _heading_style(paragraph.level) if paragraph.kind == "heading" else styles.NORMAL
                marks = {WD_COLOR_INDEX.YELLOW: placeholder_spans(paragraph.text)}
                marks[WD_COLOR_INDEX.TURQUOISE] = [
                    span
                    for flag in flags.get((section.key, index), [])
                    for span in flag_spans(flag, paragraph.text)
                ]
                runs = body.add(style, paragraph.text, marks)
                note = source_note(paragraph) if comments else ""
                if runs and note:
                    doc.add_comment(runs, text=note, author=COMMENT_AUTHOR, initials=COMMENT_INITIALS)
        if not is_speech:
            self._signature(doc, body, draft)

    def _title(self, doc: Document, title: str) -> None:
        """One Title paragraph; a long title is broken with line breaks, not split in two
        paragraphs, so Word still sees one title."""
        paragraph = doc.add_paragraph(style=styles.TITLE)
        lines = split_title(title, self.profile.title_max_line_chars)
        for i, line in enumerate(lines):
            run = paragraph.add_run(line)
            if i < len(lines) - 1:
                run.add_break()

    def _signature(self, doc: Document, body: _Body, draft: Draft) -> None:
        """Organisation 右空二字 one blank line under the text, date on the next line two
        characters further right; a date longer than the name pushes the name left instead.

        A report without a date gets the 【待补充：成文日期】 placeholder there, so the gap shows.
        The block is chained to the last body paragraph, so a page break never leaves the
        signature alone on the last page (the standard forbids it; LibreOffice and Word both
        honour keep-with-next).
        """
        # One line each: the right indents below are computed for a single line.
        org = " ".join(clean_text(draft.signature).split())
        date = normalise_date(clean_text(draft.date))
        if not org and not date:
            return
        date = date or DATE_PLACEHOLDER
        org_right = max(2.0, text_width_chars(date) + 4 - text_width_chars(org))
        date_right = org_right + text_width_chars(org) - 2 - text_width_chars(date)
        if doc.paragraphs:
            _keep_with_next(doc.paragraphs[-1])
        body.blank()
        _keep_with_next(doc.paragraphs[-1])
        written = [text for text in (org, date) if text]
        for text, right in ((org, org_right), (date, date_right)):
            if text:
                body.add(styles.SIGNATURE, text, {WD_COLOR_INDEX.YELLOW: placeholder_spans(text)})
                paragraph = doc.paragraphs[-1]
                _set_right_indent(paragraph, right, self._char_pt(doc))
                paragraph.paragraph_format.keep_together = True
                if text != written[-1]:
                    _keep_with_next(paragraph)

    def _char_pt(self, doc: Document) -> float:
        size = doc.styles[styles.NORMAL].font.size
        return size.pt if size is not None else self.profile.body_size_pt


def _heading_style(level: int) -> str:
    return styles.HEADINGS[min(max(level, 1), 4) - 1]


def _keep_with_next(paragraph: DocxParagraph) -> None:
    """Chain a paragraph to the next; widow control keeps at least two of its lines together."""
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.widow_control = True


def _set_right_indent(paragraph: DocxParagraph, chars: float, char_pt: float) -> None:
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:right"), str(round(chars * char_pt * 20)))
    ind.set(qn("w:rightChars"), str(round(chars * 100)))


def _flags_by_paragraph(draft: Draft) -> dict[tuple[str, int], list[Flag]]:
    """Flags worth highlighting, keyed by (section key, paragraph index); a flag without a place
    is attached to every paragraph of its section (or of the draft) so its text is found."""
    keyed: dict[tuple[str, int], list[Flag]] = {}
    for flag in draft.flags:
        if flag.kind not in HIGHLIGHTED_FLAG_KINDS:
            continue
        for section in draft.sections:
            if flag.section is not None and flag.section != section.key:
                continue
            for index in range(len(section.paragraphs)):
                if flag.paragraph is None or flag.paragraph == index:
                    keyed.setdefault((section.key, index), []).append(flag)
    return keyed


def source_note(paragraph: Paragraph) -> str:
    """The comment text for a paragraph's sources: its facts, then the past passages it leans on."""
    lines = []
    if paragraph.fact_ids:
        lines.append("依据事实：" + "、".join(dict.fromkeys(clean_text(f) for f in paragraph.fact_ids)))
    seen = set()
    for ref in paragraph.passages:
        if ref.passage_id in seen:
            continue
        seen.add(ref.passage_id)
        lines.append(
            f"参考材料：{clean_text(ref.source)}（{clean_text(ref.passage_id)}，第{ref.start}–{ref.end}字）"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- writing files


def write_atomically(out: Path, write: Callable[[str], object]) -> Path:
    """Call `write(temp_path)` on a temporary file next to `out`, then rename it over `out`.

    A failed write leaves any previous file at `out` untouched and no temporary file behind.
    OSErrors become ExportError with a Chinese message; other errors propagate.
    """
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"导出路径是一个文件夹：{out}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
    except OSError as exc:
        raise ExportError(f"无法写入导出文件夹 {out.parent}：{exc.strerror or exc}") from None
    try:
        write(tmp_name)
        os.replace(tmp_name, out)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return out


def draft_lines(draft: Draft) -> list[str]:
    """The draft as plain lines in reading order (title, addressee, headings, paragraphs)."""
    lines = [draft.title, draft.speaker or "", draft.addressee or "", draft.greeting or ""]
    for section in draft.sections:
        lines.append(section.heading)
        lines.extend(p.text for p in section.paragraphs)
    lines += [draft.signature or "", draft.date or ""]
    return [clean_text(line) for line in lines if line and clean_text(line).strip()]


class FakeExporter:
    """Test double for Exporter: records each call and writes the draft's plain text."""

    def __init__(self) -> None:
        self.calls: list[tuple[Draft, Path, bool]] = []

    def export(self, draft: Draft, out: Path, *, comments: bool = False) -> Path:
        """Record the call and write the plain lines atomically to `out`."""
        self.calls.append((draft, Path(out), comments))
        text = "\n".join(draft_lines(draft)) + "\n"
        return write_atomically(Path(out), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
