"""Remove the non-content lines that reports collected from the web or shared drives carry.

Ads, contact lines, copyright notices, watermarks, page numbers, running headers/footers and
stray HTML. A word list cannot tell "咨询QQ：2855XXXX 加入会员群" from "依托社区党员QQ群开展线上学习",
so each line is judged on several signals: its shape (short, unpunctuated, digits or symbols
only, a contact id next to marketing words), its position (first/last lines of the file or of a
page) and repetition (many times in this file, or in other files of the corpus). Report prose —
long and punctuated — is kept whatever words it contains. Every removal is recorded.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from retrieval.documents import CleanedDocument, Line, LoadedDocument, RemovedLine
from retrieval.ingest.edges import Edges, find_edges
from retrieval.ingest.report_lines import CONTACT as _CONTACT
from retrieval.ingest.report_lines import COPYRIGHT as _COPYRIGHT
from retrieval.ingest.report_lines import is_prose as _is_prose
from retrieval.ingest.report_lines import is_report_line, noise_signals
from retrieval.ingest.report_lines import marketing_words as _marketing_words
from retrieval.ingest.shapes import SENTENCE_END, heading_marker, is_date_line, is_page_number

REASON_PAGE_NUMBER = "页码"
REASON_AD = "广告/联系方式"
REASON_COPYRIGHT = "版权声明"
REASON_WATERMARK = "水印"
REASON_HTML = "HTML 残片"
REASON_HTML_INLINE = "HTML 残片（行内标记已删去，正文保留）"
REASON_SYMBOLS = "无文字的符号行"

# Lines longer than this are never headers, footers or ads worth counting across documents.
CANDIDATE_MAX_CHARS = 60
_SHORT = 40
_NOISE_MAX_CHARS = 200  # ads, notices and watermarks are short; longer lines are judged as prose
_EDGE = 3  # lines at each end of the file, and around each page break, count as "at the edge"

# Repetitions are bounded so that a pathological megabyte-long line cannot make matching quadratic.
_HTML_MARKUP = re.compile(
    r"<!--.{0,2000}?-->|</?[A-Za-z][A-Za-z0-9]{0,20}(?:\s[^<>]{0,2000})?/?>"
    r"|&(?:[A-Za-z]{2,8}|#\d{2,7}|#[xX][0-9A-Fa-f]{2,6});"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLAUSE_END = SENTENCE_END + "；;：:…"
_TITLE_END = re.compile(r"(总结|计划|汇报|讲话|报告|要点|安排|打算|方案|意见|致辞|发言|通知|情况)$")
# Part headings without numbering ("存在的主要问题", "下半年工作安排") recur in every report of a kind.
_OUTLINE_END = re.compile(
    r"(工作|问题|不足|计划|安排|打算|任务|情况|思路|要点|措施|短板|差距|做法|目标|总结|汇报|讲话|报告)$"
)


class LineIndex(Protocol):
    """Which short lines other documents of the corpus contain (for running headers/footers)."""

    def documents_containing(self, fingerprint: str) -> int:
        """How many OTHER documents contain a line with this fingerprint."""
        ...


class EmptyLineIndex:
    """A corpus of one: no other document is known, so nothing counts as repeated across files."""

    def documents_containing(self, fingerprint: str) -> int:
        return 0


class InMemoryLineIndex:
    """Line fingerprints of a batch of documents, keyed by a document key of the caller's choice.

    Clean each document against ``index.excluding(key)`` so the document itself is not counted::

        index = InMemoryLineIndex()
        for key, doc in docs.items():
            index.add(key, candidate_fingerprints(doc))
        cleaned = {key: clean(doc, index.excluding(key)) for key, doc in docs.items()}
    """

    def __init__(self) -> None:
        self._documents: dict[str, frozenset[str]] = {}
        self._counts: Counter[str] = Counter()

    def add(self, doc_key: str, lines: Iterable[str]) -> None:
        """Register (or replace) one document's lines; raw line texts and fingerprints both work."""
        self.remove(doc_key)
        fingerprints = frozenset(fp for fp in map(line_fingerprint, lines) if fp)
        self._documents[doc_key] = fingerprints
        self._counts.update(fingerprints)

    def remove(self, doc_key: str) -> None:
        """Forget a document (e.g. before re-ingesting it)."""
        self._counts.subtract(self._documents.pop(doc_key, frozenset()))

    def documents_containing(self, fingerprint: str, exclude: str | None = None) -> int:
        """Documents holding this line, not counting ``exclude`` (a document key)."""
        fingerprint = line_fingerprint(fingerprint)
        count = self._counts[fingerprint]
        if exclude is not None and fingerprint in self._documents.get(exclude, frozenset()):
            count -= 1
        return max(count, 0)

    def excluding(self, doc_key: str) -> LineIndex:
        """A view answering "how many OTHER documents" from the point of view of ``doc_key``."""
        return _ExcludingView(self, doc_key)

    def __len__(self) -> int:
        return len(self._documents)


@dataclass(frozen=True)
class _ExcludingView:
    index: InMemoryLineIndex
    doc_key: str

    def documents_containing(self, fingerprint: str) -> int:
        return self.index.documents_containing(fingerprint, exclude=self.doc_key)


def line_fingerprint(text: str) -> str:
    """Normalised form of a line for repetition counting: markup, spaces, punctuation and case removed.

    Full-width and half-width forms compare equal (NFKC). Idempotent, so stored fingerprints can be
    passed wherever a line is expected.
    """
    text = unicodedata.normalize("NFKC", _HTML_MARKUP.sub("", text)).lower()
    return "".join(ch for ch in text if ch.isalnum())


def candidate_fingerprints(doc: LoadedDocument) -> set[str]:
    """Fingerprints of the lines worth registering in a `LineIndex`: short body lines only."""
    return {
        fp
        for line in doc.lines
        if line.style == "body"
        and len(line.text) <= CANDIDATE_MAX_CHARS
        and (fp := line_fingerprint(line.text))
    }


def clean(doc: LoadedDocument, line_index: LineIndex) -> CleanedDocument:
    """Drop noise lines and inline HTML from ``doc``; the kept lines form the cleaned text.

    Works with an `EmptyLineIndex` (a single file): shape, position and in-file repetition still
    remove the obvious noise.
    """
    texts: list[str] = []
    removed: list[RemovedLine] = []
    for i, line in enumerate(doc.lines):
        text, markup = _strip_html(line.text)
        texts.append(text)
        if markup and text:
            removed.append(RemovedLine(i, "".join(markup), REASON_HTML_INLINE))

    edges = find_edges(texts, [line.style for line in doc.lines])
    judge = _Judge(doc.lines, texts, line_index, edges)
    kept: list[Line] = []
    for i, line in enumerate(doc.lines):
        reason = judge.verdict(i)
        if reason is None:
            kept.append(Line(texts[i], style=line.style, page=line.page))
        else:
            removed.append(RemovedLine(i, line.text, reason))
    removed.sort(key=lambda r: r.line_no)

    starts: list[int] = []
    offset = 0
    for line in kept:
        starts.append(offset)
        offset += len(line.text) + 1
    return CleanedDocument(
        path=doc.path,
        text="\n".join(line.text for line in kept),
        lines=kept,
        line_starts=starts,
        removed=removed,
    )


# ---------------------------------------------------------------- the decision


def _strip_html(text: str) -> tuple[str, list[str]]:
    markup = _HTML_MARKUP.findall(text)
    if not markup:
        return text, []
    stripped = html.unescape(_HTML_MARKUP.sub(lambda m: _entity_text(m.group()), text))
    return " ".join(stripped.split()), markup


def _entity_text(markup: str) -> str:
    # Entities that stand for visible characters (&amp; &lt; &#8220;) keep them; spaces and tags go.
    if markup.startswith("&"):
        char = html.unescape(markup)
        return "" if char.isspace() or char == markup else char
    return ""


class _Judge:
    def __init__(self, lines: list[Line], texts: list[str], line_index: LineIndex, edges: Edges) -> None:
        self.lines = lines
        self.texts = texts
        self.index = line_index
        self.report = edges
        self.fingerprints = [line_fingerprint(t) for t in texts]
        self.local = Counter(fp for fp in self.fingerprints if fp)
        self.edges = self._edges()
        self.protected = self._signature_lines()
        # The first real line, if it reads like a report title, may be repeated as a running header
        # further down: those repeats go, the title stays.
        if edges.title_start is not None:
            self.title: int | None = edges.title_start
        else:
            first = next((i for i in range(len(lines)) if self._shape(i) is None), None)
            self.title = first if first is not None and _TITLE_END.search(texts[first]) else None

    def verdict(self, i: int) -> str | None:
        """Why line ``i`` is noise, or None to keep it."""
        line, text = self.lines[i], self.texts[i]
        if not text:
            return REASON_HTML if line.text.strip() else None
        block = self.report.reason(i)
        if block is not None:  # the line's own reason, when it has one, says more than the block's
            return self._shape(i) or self._repetition(i) or block
        if line.style != "body":  # headings, titles and table rows carry their meaning in their style
            return None
        shape = self._shape(i)
        if shape is not None:
            return shape
        if i == self.title or i in self.protected or _is_prose(text):
            return None
        return self._repetition(i)

    def _shape(self, i: int) -> str | None:
        """Noise recognisable from the line itself (and its position)."""
        line, text = self.lines[i], self.texts[i]
        if line.style != "body" or not text:
            return None
        if is_page_number(text):
            return REASON_PAGE_NUMBER
        if _text_ratio(text) < 0.3:
            return REASON_SYMBOLS
        if len(text) > _NOISE_MAX_CHARS:
            return None
        contact, marketing = bool(_CONTACT.search(text)), _marketing_words(text)
        if _is_prose(text):
            # Report prose keeps its "QQ群" and "会员"; only an unmistakable ad is dropped.
            return REASON_AD if contact and marketing >= 3 else None
        if _COPYRIGHT.search(text) and len(text) <= CANDIDATE_MAX_CHARS:
            return REASON_COPYRIGHT
        if "水印" in text and "无水印" not in text and len(text) <= 30:
            return REASON_WATERMARK
        if noise_signals(text) >= 3 and not is_report_line(text):
            # "【温馨提示】…", "会员群：　　免费QQ群：", "当前位置：首页 > …": a site's line wherever it sits.
            return REASON_AD
        score = (
            2 * contact
            + min(marketing, 3)
            + (len(text) <= _SHORT)
            + (not _ends_clause(text))
            + (i in self.edges)
        )
        if (contact or marketing >= 2) and score >= 4:
            return REASON_AD
        return None

    def _repetition(self, i: int) -> str | None:
        """Running headers/footers: short unpunctuated lines repeated here or across the corpus."""
        text, fp = self.texts[i], self.fingerprints[i]
        if not fp or len(text) > CANDIDATE_MAX_CHARS or _ends_clause(text) or heading_marker(text):
            return None
        hint = bool(_CONTACT.search(text)) or _marketing_words(text) > 0 or _text_ratio(text) < 0.6
        at_edge = i in self.edges
        here = self.local[fp]
        elsewhere = self.index.documents_containing(fp)
        outline = _OUTLINE_END.search(text) is not None and not hint
        if elsewhere >= 2 and (at_edge or hint or here >= 2) and not outline:
            return f"在{elsewhere + 1}份文件中重复出现的页眉页脚"
        if here >= 2 and len(text) <= _SHORT and (here >= 3 or at_edge or hint):
            return f"在本文中重复出现{here}次的页眉页脚"
        return None

    def _edges(self) -> set[int]:
        n = len(self.lines)
        edges = set(range(min(_EDGE, n))) | set(range(max(0, n - _EDGE), n))
        for i, line in enumerate(self.lines):
            page_break = i > 0 and line.page is not None and line.page != self.lines[i - 1].page
            if is_page_number(self.texts[i]) or page_break:
                edges |= set(range(max(0, i - 2), min(n, i + 3)))
        return edges

    def _signature_lines(self) -> set[int]:
        """A closing date and the signing organisation above it: real content, repeated or not."""
        protected: set[int] = set()
        n = len(self.lines)
        for i in range(max(0, n - 6), n):
            if is_date_line(self.texts[i]):
                protected |= {i, i - 1} if i > 0 else {i}
        return protected


def _ends_clause(text: str) -> bool:
    return text.endswith(tuple(_CLAUSE_END))


def _text_ratio(text: str) -> float:
    """Share of characters that are letters, digits or CJK (the rest is symbols and spaces)."""
    compact = "".join(text.split())
    if not compact:
        return 0.0
    return sum(1 for ch in compact if ch.isalnum()) / len(compact)
