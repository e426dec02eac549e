"""Grounding checks: does every number, quotation and name in a draft trace to the writer's facts?

Reviewers rely on this report instead of re-reading every figure. It works on any draft,
including hand-edited ones whose paragraphs carry no fact ids: support is decided by content.
What counts as support is everything the writer gave: the facts, their areas and keywords, the
organisation, addressee, speaker, title, date and the periods named in the sheet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

from drafting.mentions.names import extract_names, extract_quotes, name_supported
from drafting.mentions.numbers import (
    DateParts,
    NumberMention,
    date_supported,
    extract_numbers,
    same_measure,
)
from drafting.model import Draft, Fact, FactSheet, Flag, FlagKind, Outline
from drafting.outlines.outline import PART_LABELS
from retrieval.documents import PARTS, Part, Passage

MIN_COPY_CHARS = 20  # a shared run this long is a copied sentence, not a shared phrase
KEY_TERM_COVERAGE = 0.6  # share of a fact's character pairs a paraphrase must keep
FLAG_KINDS: tuple[FlagKind, ...] = (
    "unsupported_number",
    "unsupported_quote",
    "unsupported_name",
    "verbatim_copy",
    "placeholder",
    "unused_fact",
    "missing_part",
)
KIND_LABELS: dict[str, str] = {
    "unsupported_number": "无出处的数字",
    "unsupported_quote": "无出处的引文",
    "unsupported_name": "无出处的单位名称",
    "verbatim_copy": "照抄往年材料",
    "placeholder": "待补充",
    "unused_fact": "未用上的事实",
    "missing_part": "缺少的部分",
}
PLACEHOLDER = re.compile(r"【待补充[^】]*】")  # the one form normalisation leaves (also repair)
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]|_")  # punctuation and spaces; CJK, digits and letters stay
_CJK_RUN = re.compile("[\u3400-\u9fff]+")


@dataclass
class GroundingReport:
    flags: list[Flag] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Flags per kind, every kind present (zero when none)."""
        tally = Counter(f.kind for f in self.flags)
        return {kind: tally.get(kind, 0) for kind in FLAG_KINDS}

    def of_kind(self, kind: FlagKind) -> list[Flag]:
        return [f for f in self.flags if f.kind == kind]

    def to_json(self) -> dict:
        """A JSON-ready dict: flags (Flag fields) and counts."""
        return {"flags": [asdict(f) for f in self.flags], "counts": self.counts, "total": len(self.flags)}


@dataclass(frozen=True)
class _Evidence:
    """What the writer gave, prepared for lookups."""

    text: str  # every given text, whitespace removed, joined with a separator
    general: frozenset[tuple[str, object]]  # numbers of the sheet itself: org, title, date, periods
    by_section: dict[str, frozenset[tuple[str, object]]]  # "work:0" / "problems" → its facts' numbers
    by_part: dict[str, frozenset[tuple[str, object]]]  # for sections whose key names no area
    measured: tuple[NumberMention, ...]  # every number in the facts and areas, with unit and noun
    dates: frozenset[DateParts]
    years: frozenset[int]
    names: frozenset[str]

    def supports(self, number: NumberMention, section: str | None, part: str | None) -> bool:
        """Whether a draft's count or percentage is backed (see ``check_draft``)."""
        if number.key in self.general:
            return True
        own = self.by_section.get(section or "")
        if own is None:
            own = self.by_part.get(part or "", frozenset())
        if number.key in own:
            return True
        return any(same_measure(number, known) for known in self.measured)


def _evidence(sheet: FactSheet) -> _Evidence:
    by_section: dict[str, set[tuple[str, object]]] = {}
    by_part: dict[str, set[tuple[str, object]]] = {}
    measured: list[NumberMention] = []
    texts: list[str] = []
    for part, groups in sheet.parts.items():
        for i, group in enumerate(groups):
            own = [f.text for f in group.facts] + [t for t in (group.area, group.keyword, group.heading) if t]
            texts += own
            mentions = [m for t in own for m in extract_numbers(t)]
            measured += [m for m in mentions if m.kind != "date"]
            keys = {m.key for m in mentions if m.kind != "date"}
            by_section.setdefault(f"{part}:{i}", set()).update(keys)
            by_section.setdefault(part, set()).update(keys)
            by_part.setdefault(part, set()).update(keys)
    sheet_texts = [
        t
        for t in (sheet.org, sheet.addressee, sheet.speaker, sheet.title, sheet.date, sheet.superior)
        + (sheet.period, sheet.next_period)
        if t
    ]
    texts += sheet_texts
    mentions = [m for t in texts for m in extract_numbers(t)]
    dates = frozenset(m.date for m in mentions if m.date is not None)
    return _Evidence(
        text="｜".join(_SPACE.sub("", t) for t in texts),
        general=frozenset(m.key for t in sheet_texts for m in extract_numbers(t) if m.kind != "date"),
        by_section={k: frozenset(v) for k, v in by_section.items()},
        by_part={k: frozenset(v) for k, v in by_part.items()},
        measured=tuple(measured),
        dates=dates,
        years=frozenset(d[0] for d in dates if d[0] is not None),
        names=frozenset(_SPACE.sub("", n.text) for t in texts for n in extract_names(t)),
    )


def check_draft(
    draft: Draft,
    sheet: FactSheet,
    references: Sequence[Passage] = (),
    *,
    outline: Outline | None = None,
) -> GroundingReport:
    """Every flag a reviewer should look at, in reading order, then unused facts and missing parts.

    ``references`` are the past passages the draft may have copied from. Required parts come
    from ``outline``; without it, every part the sheet has facts for is required.

    A count or percentage is supported by a number of the same value in the sheet itself (org,
    title, date, periods), in the facts of its own section (the area "work:1" stands for, all of
    "problems"; a section whose key names no area stands for its whole part), or in a fact
    anywhere that carries the same measure (``drafting.mentions.numbers.same_measure``): a
    "3个" about brands is not backed by a "3个" about public institutions. A date is supported
    by any date the writer gave (a year of the period or the date line included).
    """
    evidence = _evidence(sheet)
    stock = _stock_text(outline, sheet) if outline is not None else ""
    flags: list[Flag] = []
    for section, part, index, text in _texts(draft):
        flags += _check_text(text, section, part, index, evidence, references, stock)
    # Each text is read once for all facts: a sheet of a thousand facts would otherwise extract the
    # numbers of every paragraph a thousand times (minutes instead of a second).
    bodies = [PreparedText(text) for _, _, _, text in _texts(draft)]
    for fact in sheet.all_facts():
        if not any(fact_used(fact, body) for body in bodies):
            flags.append(Flag("unused_fact", fact.text, detail=fact.id))
    for part in _required_parts(sheet, outline):
        if not _part_present(draft, part):
            flags.append(Flag("missing_part", PART_LABELS[part], detail=part))
    return GroundingReport(flags)


def _texts(draft: Draft) -> Iterator[tuple[str | None, str | None, int | None, str]]:
    """(section key, part, paragraph index, text): the title and addressee, then headings and paragraphs."""
    for key, text in (("title", draft.title), ("addressee", draft.addressee)):
        if text:
            yield key, None, None, text
    for section in draft.sections:
        if section.heading:
            yield section.key, section.part, None, section.heading
        for i, paragraph in enumerate(section.paragraphs):
            if paragraph.text:
                yield section.key, section.part, i, paragraph.text
    for key, text in (("signature", draft.signature), ("date", draft.date)):
        if text:  # the 落款 and 成文日期, e.g. 【待补充：成文日期】 when the facts gave no date
            yield key, None, None, text


def _check_text(
    text: str,
    section: str | None,
    part: str | None,
    index: int | None,
    ev: _Evidence,
    references: Sequence[Passage],
    stock: str = "",
) -> list[Flag]:
    flags: list[Flag] = []

    def flag(kind: FlagKind, start: int, end: int, detail: str = "") -> None:
        flags.append(Flag(kind, text[start:end], section, index, start, end, detail))

    holes = [m.span() for m in PLACEHOLDER.finditer(text)]
    for start, end in holes:
        flag("placeholder", start, end)

    def in_hole(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in holes)

    for number in extract_numbers(text):
        if in_hole(number.start, number.end):
            continue
        if number.kind == "date":
            supported = _date_known(number.date, ev)
        else:
            supported = ev.supports(number, section, part)
        if not supported:
            flag("unsupported_number", number.start, number.end)
    for quote in extract_quotes(text):
        if not in_hole(quote.start, quote.end) and _SPACE.sub("", quote.inner) not in ev.text:
            flag("unsupported_quote", quote.start, quote.end)
    for name in extract_names(text):
        if not in_hole(name.start, name.end) and not name_supported(
            _SPACE.sub("", name.text), ev.text, ev.names
        ):
            flag("unsupported_name", name.start, name.end)
    for start, end, passage_id in copied_spans(text, references, ev.text + "｜" + stock):
        flag("verbatim_copy", start, end, passage_id)
    return sorted(flags, key=lambda f: (f.start or 0, FLAG_KINDS.index(f.kind)))


def _stock_text(outline: Outline, sheet: FactSheet) -> str:
    """The outline's own standard sentences, filled in for this sheet.

    Stock formulae ("坚持以习近平新时代中国特色社会主义思想为指导") recur in every report; a draft
    that uses the outline's wording has not copied a past report, so these runs are not flagged.
    """
    from drafting.outlines.outline import fill_pattern
    from drafting.outlines.planning import slot_values

    values = slot_values(sheet)
    texts: list[str] = []
    for op in outline.parts:
        for pattern in [op.heading, *(p for ps in op.connectives.values() for p in ps)]:
            filled = fill_pattern(pattern, values)
            # A pattern with a slot this sheet cannot fill ({area}) still contributes its fixed parts.
            texts += [filled] if filled else re.split(r"\{[^}]*\}", pattern)
    return "｜".join(_SPACE.sub("", t) for t in texts if t)


def _date_known(date: DateParts | None, ev: _Evidence) -> bool:
    return date is not None and date_supported(date, ev.dates, ev.years)


def copied_spans(text: str, references: Sequence[Passage], own: str = "") -> list[tuple[int, int, str]]:
    """Runs of ≥ MIN_COPY_CHARS characters shared with a reference passage, ignoring whitespace.

    Returns (start, end, passage ids) with offsets into ``text``. Runs found in ``own`` (the
    writer's facts, whitespace removed) are the writer's words and are not reported.
    """
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    stripped = "".join(text[i] for i in positions)
    if len(stripped) < MIN_COPY_CHARS:
        return []
    runs: dict[tuple[int, int], list[str]] = {}
    for passage in references:
        ref = _SPACE.sub("", passage.text)
        grams = {ref[i : i + MIN_COPY_CHARS] for i in range(len(ref) - MIN_COPY_CHARS + 1)}
        if not grams:
            continue
        covered = [False] * len(stripped)
        for i in range(len(stripped) - MIN_COPY_CHARS + 1):
            if stripped[i : i + MIN_COPY_CHARS] in grams:
                covered[i : i + MIN_COPY_CHARS] = [True] * MIN_COPY_CHARS
        for start, end in _true_runs(covered):
            while start < end and _NOT_WORD.match(stripped[start]):
                start += 1  # a run that starts at a comma reads better without it
            if end - start < MIN_COPY_CHARS or (own and stripped[start:end] in own):
                continue
            runs.setdefault((start, end), []).append(passage.id)
    return [(positions[s], positions[e - 1] + 1, ",".join(ids)) for (s, e), ids in sorted(runs.items())]


def _true_runs(covered: list[bool]) -> Iterator[tuple[int, int]]:
    start = None
    for i, value in enumerate([*covered, False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            yield start, i
            start = None


class PreparedText:
    """A text read once for many ``fact_used`` questions: its plain form, numbers and character pairs."""

    def __init__(self, text: str) -> None:
        self.plain = _NOT_WORD.sub("", text)
        self.numbers = frozenset(m.key for m in extract_numbers(text))
        self.pairs = frozenset(_pairs(text))


def fact_used(fact: Fact, text: str | PreparedText) -> bool:
    """Whether ``text`` states ``fact``: verbatim (punctuation aside), or with all of the fact's
    numbers (by value: 三期 = 3期) and most of its wording (KEY_TERM_COVERAGE of character pairs)."""
    body = text if isinstance(text, PreparedText) else PreparedText(text)
    plain_fact = _NOT_WORD.sub("", fact.text)
    if plain_fact and plain_fact in body.plain:
        return True
    fact_numbers = {m.key for m in extract_numbers(fact.text)}
    if not fact_numbers <= body.numbers:
        return False
    pairs = _pairs(fact.text)
    if not pairs:
        return bool(fact_numbers)
    return len(pairs & body.pairs) / len(pairs) >= KEY_TERM_COVERAGE


def _pairs(text: str) -> set[str]:
    return {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


def attribute_paragraph(paragraph_text: str, sheet: FactSheet) -> list[str]:
    """The ids of the facts a paragraph rests on, judged by content (for hand-edited or imported text)."""
    return [fact.id for fact in sheet.all_facts() if fact_used(fact, paragraph_text)]


def _required_parts(sheet: FactSheet, outline: Outline | None) -> list[Part]:
    if outline is not None:
        return [p.part for p in outline.parts if p.required]
    return [p for p in PARTS if any(g.facts for g in sheet.parts.get(p, ()))]


def _part_present(draft: Draft, part: Part) -> bool:
    return any(
        s.part == part and (any(p.text.strip() for p in s.paragraphs) or s.heading.strip())
        for s in draft.sections
    )


_BLOCK_LABELS = {"signature": "落款", "date": "成文日期"}


def section_label(key: str | None) -> str:
    """A section key in words: "work:0" → "工作情况第1节"."""
    if key in (None, "title"):
        return "标题"
    if key == "addressee":
        return "主送机关"
    if key in _BLOCK_LABELS:
        return _BLOCK_LABELS[key]
    part, _, number = key.partition(":")
    label = PART_LABELS.get(part, part)
    return f"{label}第{int(number) + 1}节" if number.isdigit() else label


def format_report(report: GroundingReport) -> str:
    """The report as readable Chinese lines for the command line."""
    if not report.flags:
        return "核对结果：未发现问题。所有数字、引文和单位名称都能在事实材料中找到出处。"
    summary = "，".join(f"{KIND_LABELS[k]} {n} 处" for k, n in report.counts.items() if n)
    lines = [f"核对结果：共 {len(report.flags)} 处需要注意（{summary}）。"]
    for flag in report.flags:
        label = KIND_LABELS[flag.kind]
        if flag.kind == "unused_fact":
            lines.append(f"[{label}] 事实 {flag.detail}：{flag.text}")
            continue
        if flag.kind == "missing_part":
            lines.append(f"[{label}] 稿子里没有“{flag.text}”部分")
            continue
        where = section_label(flag.section)
        if flag.section not in (None, "title", "addressee", *_BLOCK_LABELS):
            where += "标题" if flag.paragraph is None else f"第{flag.paragraph + 1}段"
        if flag.start is not None and flag.end is not None:
            where += f"第{flag.start + 1}–{flag.end}字"
        line = f"[{label}] {where}：“{flag.text}”"
        if flag.kind == "verbatim_copy":
            line += f"，与往年材料 {flag.detail} 相同"
        lines.append(line)
    return "\n".join(lines)
