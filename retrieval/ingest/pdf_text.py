"""Rebuild paragraphs from the text layer of a PDF.

A PDF knows glyph positions, not paragraphs: every visual line comes out separately, wrapped
mid-sentence, with page numbers and running headers in between. We read positioned text
fragments through pypdf's visitor, group them into visual lines, then decide for each pair of
consecutive lines whether the first was wrapped (it runs to the right margin, the next one is not
indented and does not open a numbered heading) and rejoin them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from retrieval.documents import Line
from retrieval.ingest.encoding import normalise_text
from retrieval.ingest.shapes import HEADING_START, is_page_number

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
# pypdf puts a space at every font switch, e.g. "2024 年" where digits use a Latin font.
_FONT_SWITCH_SPACE = re.compile(rf"(?<=[0-9A-Za-z%.])\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+(?=[0-9A-Za-z])")
_QUOTES = set("“”‘’\"'「」『』")
_COLUMN_GAP = "\x00"  # placeholder while quote blanks are refilled; becomes a space
_SENTENCE_END = tuple("。！？!?")
# Lines of a page we look at for page numbers and running headers/footers.
_EDGE_LINES = 2


@dataclass(frozen=True)
class PdfLine:
    """One visual line: its text, left edge, font size, 1-based page and right edge."""

    text: str
    x: float
    size: float
    page: int
    right: float  # estimated right edge: the last fragment's position plus its estimated width


@dataclass
class _Fragment:
    x: float
    y: float
    text: str
    size: float


def page_lines(page: Any, page_no: int) -> list[PdfLine]:
    """The visual lines of one pypdf page, top to bottom."""
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: float) -> None:
        text = text.replace("\n", "").replace("\r", "")
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]) or 1.0
        fragments.append(_Fragment(x, y, text, abs(font_size * scale) or 10.0))

    page.extract_text(visitor_text=visit)
    return [line for group in _group_by_baseline(fragments) if (line := _assemble(group, page_no))]


def rebuild_paragraphs(pages: list[list[PdfLine]]) -> list[Line]:
    """Join wrapped lines into paragraphs; keep page numbers and running headers as lines of their own.

    Running headers/footers (the same text at the top or bottom of several pages) are emitted as
    standalone lines so the cleaner can remove them and record that it did.
    """
    furniture = _running_furniture(pages)
    content: list[PdfLine] = []
    standalone: dict[int, list[PdfLine]] = {}  # index in content after which furniture was seen
    for lines in pages:
        for i, line in enumerate(lines):
            at_edge = i < _EDGE_LINES or i >= len(lines) - _EDGE_LINES
            # Page numbers and running headers are handed to the cleaner as lines of their own, so
            # their removal is recorded like any other.
            if at_edge and (is_page_number(line.text) or _furniture_key(line.text) in furniture):
                standalone.setdefault(len(content), []).append(line)
                continue
            content.append(line)

    layout = _Layout.measure(content)
    out: list[Line] = []
    pending: list[PdfLine] = []  # furniture met while a paragraph is still open
    paragraph: list[PdfLine] = []

    def flush() -> None:
        if paragraph:
            out.append(Line(text=_join(paragraph), page=paragraph[0].page))
            paragraph.clear()
        out.extend(Line(text=f.text, page=f.page) for f in pending)
        pending.clear()

    for i, line in enumerate(content):
        pending.extend(standalone.get(i, []))
        if paragraph and not layout.continues(paragraph[-1], line):
            flush()
        paragraph.append(line)
    pending.extend(standalone.get(len(content), []))
    flush()
    return [Line(text=t, page=line.page) for line in out if (t := normalise_text(line.text).strip())]


# ---------------------------------------------------------------- lines from fragments


def _group_by_baseline(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    groups: list[list[_Fragment]] = []
    for frag in sorted(fragments, key=lambda f: (-f.y, f.x)):
        if groups and abs(groups[-1][0].y - frag.y) <= 0.4 * min(frag.size, groups[-1][0].size):
            groups[-1].append(frag)
        else:
            groups.append([frag])
    return groups


def _assemble(group: list[_Fragment], page_no: int) -> PdfLine | None:
    group.sort(key=lambda f: f.x)
    words = [f for f in group if f.text.strip() and not _is_quotes(f.text)]
    if not words:
        return None
    quotes = [f for f in group if _is_quotes(f.text)]
    text = _concatenate(words)
    quote_chars = "".join(f.text for f in quotes).replace(" ", "")
    restored = _restore_quotes(text, quote_chars)
    if restored is None:  # no blanks to refill: the marks sit where pypdf says they are
        restored = _concatenate(sorted(words + quotes, key=lambda f: f.x))
    text = _FONT_SWITCH_SPACE.sub("", restored).replace(_COLUMN_GAP, " ").strip()
    if not text:
        return None
    size = Counter(round(f.size, 1) for f in words).most_common(1)[0][0]
    last = max(words, key=lambda f: f.x)
    right = last.x + _display_width(last.text) * last.size
    return PdfLine(text=text, x=words[0].x, size=size, page=page_no, right=right)


def _is_quotes(text: str) -> bool:
    return bool(set(text) & _QUOTES) and set(text) <= _QUOTES | {" "}


def _concatenate(fragments: list[_Fragment]) -> str:
    text = ""
    end: float | None = None
    previous = ""
    for frag in fragments:
        piece = frag.text if text else frag.text.lstrip()
        if end is not None and text and piece:
            latin = text[-1].isascii() and text[-1].isalnum() and piece[0].isascii() and piece[0].isalnum()
            # Latin words are spaced by position alone; between CJK only a wide gap (table cells) counts.
            # Our width estimate for Latin text drifts by ~0.15 em a character; allow for it.
            slack = 0.15 * sum(1 for ch in previous if ch.isascii())
            if frag.x - end > ((0.15 if latin else 1.5) + slack) * frag.size:
                text += " " if latin else _COLUMN_GAP
        text += piece.replace(" ", "") if _is_quotes(piece) else piece
        end = frag.x + _display_width(frag.text) * frag.size
        previous = frag.text
    return text


def _restore_quotes(text: str, quotes: str) -> str | None:
    """Put quote marks back into the blanks left for them, or None if the blanks don't add up.

    Quote marks drawn from a different font than the CJK text around them come out as separate
    fragments (often several packed into one, "“ ”", at a misleading position) while the text keeps
    a blank where each was drawn. When the blanks match the marks in number we refill them in order.
    """
    if not quotes:
        return text
    gaps = [m.start() for m in re.finditer(r"(?<=\S) (?=\S)", text) if _cjk_side(text, m.start())]
    if len(gaps) != len(quotes):
        return None
    chars = list(text)
    for pos, quote in zip(gaps, quotes, strict=True):
        chars[pos] = quote
    return "".join(chars)


def _cjk_side(text: str, pos: int) -> bool:
    return bool(_CJK_CHAR.match(text[pos - 1]) or _CJK_CHAR.match(text[pos + 1]))


def _display_width(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


# ---------------------------------------------------------------- paragraphs from lines


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _running_furniture(pages: list[list[PdfLine]]) -> set[str]:
    """Texts found at the top (or at the bottom) of at least two pages and half of them.

    Top and bottom are counted apart: a title on the first page and the same organisation name in
    the signature on the last page are not a running header.
    """
    if len(pages) < 2:
        return set()
    needed = max(2, math.ceil(len(pages) / 2))
    found: set[str] = set()
    for edge in (slice(None, _EDGE_LINES), slice(-_EDGE_LINES, None)):
        seen: Counter[str] = Counter()
        for lines in pages:
            seen.update({_furniture_key(line.text) for line in lines[edge] if not is_page_number(line.text)})
        found |= {key for key, count in seen.items() if count >= needed and key}
    return found


@dataclass(frozen=True)
class _Layout:
    right_margin: float
    left_margin: float
    uses_indent: bool

    @classmethod
    def measure(cls, lines: list[PdfLine]) -> _Layout:
        if not lines:
            return cls(0.0, 0.0, False)
        rights = sorted(line.right for line in lines)
        lefts = sorted(line.x for line in lines)
        right = rights[int(0.9 * (len(rights) - 1))]
        left = lefts[int(0.1 * (len(lefts) - 1))]
        layout = cls(right, left, False)
        # Does this document indent first lines? Look at lines that follow a short (paragraph-ending) line.
        starts = [b for a, b in zip(lines, lines[1:], strict=False) if not layout.is_full(a)]
        indented = sum(1 for line in starts if layout.is_indented(line))
        return cls(right, left, bool(starts) and indented >= 0.5 * len(starts))

    def is_full(self, line: PdfLine) -> bool:
        return line.right >= self.right_margin - 3.0 * line.size

    def is_indented(self, line: PdfLine) -> bool:
        return line.x > self.left_margin + 1.0 * line.size

    def _pushed_over(self, prev: PdfLine, line: PdfLine) -> bool:
        """A line ending short of the margin because the next word ("41.2%") did not fit: in an
        indented layout, the next line is not indented and this one stops mid-sentence."""
        return (
            self.uses_indent
            and not self.is_indented(line)
            and prev.right >= self.right_margin - 8.0 * prev.size
            and not prev.text.endswith((*_SENTENCE_END, "：", ":", "；", ";"))
        )

    def continues(self, prev: PdfLine, line: PdfLine) -> bool:
        """Whether ``line`` continues the paragraph whose last line so far is ``prev``."""
        if line.page - prev.page not in (0, 1) or abs(line.size - prev.size) > 0.5:
            return False
        if HEADING_START.match(line.text):
            return False
        if not self.is_full(prev) and not self._pushed_over(prev, line):
            return False
        if self.uses_indent:
            return not self.is_indented(line)
        return not prev.text.endswith(_SENTENCE_END)


def _join(lines: list[PdfLine]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        glue = " " if text[-1:].isascii() and text[-1:].isalpha() and line.text[:1].isascii() else ""
        text += glue + line.text
    return text
