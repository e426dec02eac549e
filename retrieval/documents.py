"""Domain types of the knowledge base, passed between the ingestion and retrieval stages.

Plain dataclasses: no library objects (chromadb, numpy, python-docx) leak through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Part = Literal["opening", "work", "problems", "plans", "closing"]
PARTS: tuple[Part, ...] = ("opening", "work", "problems", "plans", "closing")

# Style hints a loader may attach to a line when the file format says what the line is
# (a .docx heading style, a Markdown '#' heading, a docx table row).
LineStyle = Literal["title", "heading1", "heading2", "heading3", "heading4", "table", "body"]


@dataclass(frozen=True)
class Line:
    """One paragraph-level line of a loaded file, before cleaning."""

    text: str
    style: LineStyle = "body"
    page: int | None = None  # 1-based page for paginated sources (PDF)


@dataclass(frozen=True)
class LoadedDocument:
    path: str  # as given by the user; `source` elsewhere is the file name
    lines: list[Line]
    encoding: str | None = None  # for text files: the encoding detected
    converted_from: str | None = None  # e.g. ".doc" when LibreOffice converted it


@dataclass(frozen=True)
class RemovedLine:
    """A line the cleaner dropped, kept so a person can audit the cleaning."""

    line_no: int  # 0-based index into LoadedDocument.lines
    text: str
    reason: str  # e.g. "page number", "repeated across 3 files", "advertising/contact line"


@dataclass(frozen=True)
class CleanedDocument:
    """The cleaned text is the kept lines joined with '\n'; all offsets refer to it."""

    path: str
    text: str
    lines: list[Line]  # kept lines, in order; line i starts at line_starts[i] in text
    line_starts: list[int]
    removed: list[RemovedLine]


@dataclass(frozen=True)
class Block:
    """A heading or paragraph of the cleaned text, placed in the outline."""

    kind: Literal["title", "addressee", "greeting", "speaker", "heading", "paragraph", "signature"]
    text: str
    start: int  # character offsets into CleanedDocument.text, end exclusive
    end: int
    part: Part
    level: int = 0  # heading level: 1 一、 / 2 （一） / 3 1. / 4 （1） / 5 ——小标题; 0 for non-headings
    heading_path: tuple[str, ...] = ()  # enclosing headings, outermost first


@dataclass(frozen=True)
class ReportStructure:
    title: str
    addressee: str | None
    greeting: str | None
    period: str | None  # normalised: "2025年上半年", "2025年第三季度", "2024年全年", "2025年"
    year: int | None
    org: str | None
    kind: str  # "half-year" | "year-end" | "quarterly" | "speech" | "other"
    blocks: list[Block]


@dataclass(frozen=True)
class Passage:
    """A retrievable chunk: the smallest meaningful unit of a past report."""

    id: str  # stable: f"{doc_id}:{ordinal}"
    doc_id: str
    text: str
    source: str  # file name
    title: str
    period: str | None
    year: int | None
    org: str | None
    kind: str
    part: Part
    heading: str  # heading path joined with " / "
    start: int  # offsets into the document's cleaned text, end exclusive
    end: int


@dataclass(frozen=True)
class SearchFilters:
    part: Part | None = None
    year: int | None = None
    period: str | None = None  # substring match, e.g. "上半年"
    org: str | None = None  # substring match
    doc_id: str | None = None
    exclude_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SearchHit:
    passage: Passage
    score: float
    lexical_score: float | None = None
    dense_score: float | None = None
    duplicates: tuple[str, ...] = ()  # ids of near-duplicate passages collapsed into this hit

    def to_json(self) -> dict:
        """The JSON shape other tools read: keep these field names."""
        p = self.passage
        return {
            "id": p.id,
            "text": p.text,
            "score": round(self.score, 6),
            "source": p.source,
            "title": p.title,
            "part": p.part,
            "heading": p.heading,
            "start": p.start,
            "end": p.end,
            "period": p.period,
            "year": p.year,
            "org": p.org,
            "doc_id": p.doc_id,
        }
