"""Cut a parsed report into passages along its structure, not into fixed windows.

One passage per smallest meaningful unit: a paragraph, a table, a numbered item of content. A
heading is context (it goes into ``Passage.heading``), except a top-level heading that states
content itself ("一、突出一个‘稳’字，全力保障能源安全稳定供应"), which leads its first paragraph.
Long paragraphs are split at their inline enumerations (一是/二是…, （1）（2）, ①②), then at
sentence ends; never inside a sentence unless one sentence alone exceeds twice the limit.
Every passage keeps exact offsets into the cleaned text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.documents import Block, CleanedDocument, Part, Passage, ReportStructure

MIN_CHARS = 30  # fragments shorter than this merge with a neighbour under the same heading
_SKIPPED_KINDS = frozenset({"title", "addressee", "greeting", "speaker", "signature"})
_CN = "一二三四五六七八九十"
_ENUMERATION = re.compile(rf"[{_CN}]是|其[{_CN}][，,、]|第[{_CN}][，,]|[（(]\d{{1,2}}[）)]|[①-⑳]")
_ENUMERATION_LEAD = "：:；;。，,！!？?"
_SENTENCE = re.compile(r"[^。！？；!?;]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;]+$")
_CLAUSE = re.compile(r"[^，、：,:]*[，、：,:]+|[^，、：,:]+$")


@dataclass
class _Piece:
    start: int
    end: int
    part: Part
    path: tuple[str, ...]


def chunk_structure(
    structure: ReportStructure,
    cleaned: CleanedDocument,
    *,
    doc_id: str,
    source: str,
    max_chars: int = 320,
) -> list[Passage]:
    """Passages of one report; ``cleaned.text[p.start:p.end] == p.text`` for each of them."""
    text = cleaned.text
    pieces: list[_Piece] = []
    for unit in _units(structure.blocks, cleaned):
        pieces.extend(
            _Piece(start, end, unit.part, unit.path)
            for start, end in _split(text, unit.start, unit.end, max_chars)
        )
    pieces = _merge_small(text, pieces, max_chars)
    return [
        Passage(
            id=f"{doc_id}:{ordinal}",
            doc_id=doc_id,
            text=text[piece.start : piece.end],
            source=source,
            title=structure.title,
            period=structure.period,
            year=structure.year,
            org=structure.org,
            kind=structure.kind,
            part=piece.part,
            heading=" / ".join(piece.path),
            start=piece.start,
            end=piece.end,
        )
        for ordinal, piece in enumerate(pieces)
    ]


# ---------------------------------------------------------------- blocks into units


def _units(blocks: list[Block], cleaned: CleanedDocument) -> list[_Piece]:
    """The blocks that become passages: paragraphs, whole tables, and headings that state content."""
    units: list[_Piece] = []
    lead: Block | None = None  # a content heading waiting to lead its first paragraph
    for n, block in enumerate(blocks):
        if block.kind in _SKIPPED_KINDS:
            continue
        if block.kind == "heading":
            lead = None
            if _is_leaf(blocks, n) and len(block.text) >= 10:
                units.append(_Piece(block.start, block.end, block.part, block.heading_path))
            elif block.level == 1 and "，" in block.text:
                lead = block
            continue
        path = block.heading_path
        if units and _is_table_row(cleaned, block) and _continues_table(cleaned, units[-1], block):
            units[-1].end = block.end
        elif lead is not None and path[-1:] == (lead.text,) and block.part == lead.part:
            units.append(_Piece(lead.start, block.end, block.part, path))
        else:
            units.append(_Piece(block.start, block.end, block.part, path))
        lead = None
    return units


def _is_leaf(blocks: list[Block], n: int) -> bool:
    """A heading with nothing beneath it: the next block is not inside it."""
    heading = blocks[n]
    following = blocks[n + 1] if n + 1 < len(blocks) else None
    return following is None or heading.text not in following.heading_path


def _is_table_row(cleaned: CleanedDocument, block: Block) -> bool:
    i = bisect_right(cleaned.line_starts, block.start) - 1
    return i >= 0 and cleaned.lines[i].style == "table"


def _continues_table(cleaned: CleanedDocument, unit: _Piece, block: Block) -> bool:
    i = bisect_right(cleaned.line_starts, unit.end) - 1
    gap = cleaned.text[unit.end : block.start]
    return gap.strip() == "" and cleaned.lines[i].style == "table" and unit.path == block.heading_path


# ---------------------------------------------------------------- splitting long units


def _split(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    if end - start <= max_chars:
        return [(start, end)]
    if "\n" in text[start:end]:  # a table, or a heading leading its paragraph: split at lines first
        lines = _spans(text, start, end, re.compile(r"[^\n]+"))
        return _pack(text, lines, max_chars, lambda s, e: _split(text, s, e, max_chars))
    out: list[tuple[int, int]] = []
    for item_start, item_end in _enumeration_items(text, start, end):
        if item_end - item_start <= max_chars:
            out.append((item_start, item_end))
            continue
        sentences = _spans(text, item_start, item_end, _SENTENCE)
        out.extend(_pack(text, sentences, max_chars, lambda s, e: _split_sentence(text, s, e, max_chars)))
    return out


def _enumeration_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut before each inline enumeration marker ("；二是…"), when a paragraph has at least two."""
    span = text[start:end]
    cuts = [
        m.start()
        for m in _ENUMERATION.finditer(span)
        if m.start() > 0 and span[m.start() - 1] in _ENUMERATION_LEAD
    ]
    if len(cuts) < 2 and not (cuts and _ENUMERATION.match(span)):
        return [(start, end)]
    bounds = [0, *cuts, len(span)]
    return [(start + a, start + b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _split_sentence(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than the limit stays whole up to twice the limit, else splits at commas."""
    if end - start <= 2 * max_chars:
        return [(start, end)]
    clauses = _spans(text, start, end, _CLAUSE)
    return _pack(text, clauses, max_chars, lambda s, e: _hard_cut(s, e, max_chars))


def _hard_cut(start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    return [(s, min(s + max_chars, end)) for s in range(start, end, max_chars)]


def _spans(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    return [
        (start + m.start(), start + m.end()) for m in pattern.finditer(text[start:end]) if m.group().strip()
    ]


_Splitter = Callable[[int, int], list[tuple[int, int]]]


def _pack(
    text: str, spans: list[tuple[int, int]], max_chars: int, oversize: _Splitter
) -> list[tuple[int, int]]:
    """Greedily join consecutive spans up to ``max_chars``; hand oversized single spans to ``oversize``."""
    out: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for s, e in spans:
        if e - s > max_chars:
            if current:
                out.append(current)
                current = None
            out.extend(oversize(s, e))
        elif current and e - current[0] <= max_chars:
            current = (current[0], e)
        else:
            if current:
                out.append(current)
            current = (s, e)
    if current:
        out.append(current)
    return [_trim(text, s, e) for s, e in out]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ---------------------------------------------------------------- merging fragments


def _merge_small(text: str, pieces: list[_Piece], max_chars: int) -> list[_Piece]:
    """Fold fragments under MIN_CHARS into a neighbour with the same heading and part."""
    pieces = list(pieces)
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece.end - piece.start >= MIN_CHARS:
            i += 1
            continue
        introduces = text[piece.end - 1 : piece.end] in "：:，,"
        order = (i + 1, i - 1) if introduces or i == 0 else (i - 1, i + 1)
        for j in order:
            if 0 <= j < len(pieces) and _mergeable(text, pieces[min(i, j)], pieces[max(i, j)], max_chars):
                first, second = pieces[min(i, j)], pieces[max(i, j)]
                pieces[min(i, j)] = _Piece(first.start, second.end, first.part, first.path)
                del pieces[max(i, j)]
                i = max(min(i, j) - 1, 0)
                break
        else:
            i += 1
    return pieces


def _mergeable(text: str, first: _Piece, second: _Piece, max_chars: int) -> bool:
    return (
        first.part == second.part
        and first.path == second.path
        and second.end - first.start <= max_chars
        and text[first.end : second.start].strip() == ""
    )
