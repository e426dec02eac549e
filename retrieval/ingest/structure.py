"""Recover the outline of a cleaned report: title, front matter, headings, parts and closing.

Chinese work reports share one outline — opening overview, work done, problems, next-period
plan, closing — and one heading hierarchy (一、 / （一） / 1. / （1） / ——). We place every
line into that outline as blocks with exact offsets into the cleaned text. A heading sentence
followed by its body in the same paragraph ("（一）强化政治引领，筑牢思想根基。全年共举办……") is
split into a heading block and a paragraph block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.documents import Block, CleanedDocument, Part, ReportStructure
from retrieval.ingest.report_meta import is_plan_only, read_meta
from retrieval.ingest.shapes import HEADING_END, PARENTHESISED_DATE, heading_marker, is_date_line

# A heading sentence longer than this is a numbered paragraph, not a heading.
_MAX_HEADING_CHARS = 50
_MAX_UNSPLIT_HEADING_CHARS = 80
_TITLE_MAX_CHARS = 80

_KIND_WORDS = re.compile(r"(总结|计划|汇报|讲话|报告|要点|安排|打算|方案|意见|致辞|发言|通知|情况)$")
_GREETING = re.compile(
    r"^(?:同志们|各位[^：:，,]{0,10}|尊敬的[^：:]{1,20}|女士们、先生们|老师们、同学们|朋友们)[：:]$"
)
_SPEAKER = re.compile(
    r"^[\u4e00-\u9fff、，（）()·]{2,30}?[\s\u3000]+[\u4e00-\u9fff×Ｘ*○·]{2,5}$|^[^\s，。]{2,30}[×Ｘ]{2}$"
)
_SUBTITLE = re.compile(r"^——.{2,40}(?:上的讲话|上的发言|致辞|讲话)$")
_UNPUNCTUATED = re.compile(r"^[^，。；：！？、,;:!?]+$")
_CAPTION = re.compile(r"^[表图]\s*\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")

_PART_HEADING_WORDS = re.compile(
    r"工作|问题|不足|计划|安排|打算|任务|情况|思路|要点|成效|回顾|措施|短板|差距|做法|目标"
)
_PROBLEM_WORDS = ("问题", "不足", "短板", "差距", "困难", "弱项", "薄弱", "挑战")
_PLAN_WORDS = ("计划", "安排", "打算", "思路", "要点", "重点任务", "下一步", "下阶段", "明年", "今后", "展望", "谋划", "部署", "下季度", "下一季度")  # fmt: skip
_WORK_WORDS = ("成绩", "成效", "回顾", "情况", "主要工作", "工作开展", "完成", "做法", "举措", "亮点")
# "解决…问题" names work done, not a problem.
_SOLVED = re.compile(r"(?:解决|化解|破解|整治|整改|针对|聚焦)[^，。]{0,8}$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")

_PROBLEM_OPENER = re.compile(
    r"^在肯定成绩的同时|(?:存在|看到|还有|仍有|面临|不容忽视)[^。：:]{0,24}(?:差距|不足|问题|短板|弱项|困难)"
)
_PLAN_OPENER = re.compile(
    r"^(?:下一步|下阶段|下一阶段|接下来|今后|下半年|明年|新的一年|下季度|下一季度"
    r"|(?P<quarter>第?[一二三四]季度)|(?P<year>(?:19|20)\d{2})年)[，,]"
)
_QUARTER_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4}
_ENUMERATION = re.compile(r"一是|其一|（一）|\(一\)|（1）|①|[：:]\s*1[.．、]")
_CLOSING_OPENER = re.compile(r"^(?:新的一年|新年|下半年|下一步|今后|同志们|让我们|总之|展望|最后)")
_SPEECH_CALL = re.compile(r"^(?:同志们|让我们)")
_CLOSING_FORMULA = re.compile(
    r"^(?:特此(?:汇报|报告|报告如下)|以上报告|妥否|当否|谢谢(?:大家|各位)?)[^。]{0,12}[。！!]?$"
)


@dataclass
class _Unit:
    """A block in the making: its kind, span and heading level (parts are assigned afterwards)."""

    kind: str
    start: int
    end: int
    level: int = 0
    style_level: int = 0  # from a Word/Markdown heading style when the text has no numbering


def parse_structure(cleaned: CleanedDocument, *, file_name: str) -> ReportStructure:
    """Place every line of ``cleaned`` into the report outline; blocks carry exact offsets."""
    text = cleaned.text
    spans = [
        (start, start + len(line.text))
        for start, line in zip(cleaned.line_starts, cleaned.lines, strict=True)
    ]
    styles = [line.style for line in cleaned.lines]

    units, body_from = _front_matter(text, spans, styles)
    tail_from = _signature_start(text, spans, body_from)
    for i in range(body_from, tail_from):
        units.extend(_body_units(text, spans[i], styles[i]))
    units.extend(_Unit("signature", *spans[i]) for i in range(tail_from, len(spans)))
    _resolve_style_levels(units)

    title_units = [u for u in units if u.kind == "title"]
    title = "".join(text[u.start : u.end].replace("\n", "") for u in title_units) or Path(file_name).stem
    dates = tuple(text[u.start : u.end] for u in units if u.kind in ("speaker", "signature"))
    signature = [
        text[u.start : u.end]
        for u in units
        if u.kind == "signature" and not is_date_line(text[u.start : u.end])
    ]
    greeting = next((text[u.start : u.end] for u in units if u.kind == "greeting"), None)
    meta = read_meta(
        title,
        file_name=Path(file_name).name,
        dates=dates,
        signature_org=signature[0] if signature else None,
        has_greeting=greeting is not None,
        opening=next((text[u.start : u.end] for u in units if u.kind == "paragraph"), ""),
    )
    blocks = _assign_parts(text, units, meta.kind, meta.year, _quarter_of(meta.period), is_plan_only(title))
    return ReportStructure(
        title=title,
        addressee=next((text[u.start : u.end].rstrip("：:") for u in units if u.kind == "addressee"), None),
        greeting=greeting,
        period=meta.period,
        year=meta.year,
        org=meta.org,
        kind=meta.kind,
        blocks=blocks,
    )


# ---------------------------------------------------------------- lines into units


def _front_matter(text: str, spans: list[tuple[int, int]], styles: Sequence[str]) -> tuple[list[_Unit], int]:
    """Title (maybe over two lines), speaker and date, addressee, greeting: the lines before the body."""
    units: list[_Unit] = []
    if not spans:
        return units, 0
    i = 0
    first = text[spans[0][0] : spans[0][1]]
    if (styles[0] in ("title", "heading1") and not heading_marker(first)) or _looks_like_title(first):
        end = spans[0][1]
        i = 1
        if i < len(spans) and _continues_title(first, text[spans[i][0] : spans[i][1]], styles[0], styles[i]):
            end = spans[i][1]
            i += 1
        units.append(_Unit("title", spans[0][0], end))
        if i < len(spans) and _SUBTITLE.match(text[spans[i][0] : spans[i][1]]):
            units.append(_Unit("title", *spans[i]))
            i += 1
    while i < len(spans) and i < 8:
        line = text[spans[i][0] : spans[i][1]]
        if _GREETING.match(line):
            kind = "greeting"
        elif PARENTHESISED_DATE.match(line) or (_SPEAKER.match(line) and not heading_marker(line)):
            kind = "speaker"
        elif _is_addressee(line):
            kind = "addressee"
        else:
            break
        units.append(_Unit(kind, *spans[i]))
        i += 1
    return units, i


def _is_addressee(line: str) -> bool:
    """An addressee line such as "县委：" or "市卫生健康委员会：", but not "现将有关情况报告如下："."""
    return (
        line.endswith(("：", ":"))
        and len(line) <= 40
        and bool(_UNPUNCTUATED.match(line[:-1]))
        and not re.search(r"如下|以下", line)
        and not heading_marker(line)
    )


def _looks_like_title(line: str) -> bool:
    return (
        len(line) <= _TITLE_MAX_CHARS
        and "。" not in line
        and not heading_marker(line)
        and bool(_CJK.search(line))
    )


def _continues_title(first: str, second: str, first_style: str, second_style: str) -> bool:
    if first_style == "title" and second_style == "title":
        return True
    if (
        _KIND_WORDS.search(first)
        or not _UNPUNCTUATED.match(second)
        or len(first) + len(second) > _TITLE_MAX_CHARS
    ):
        return False
    return bool(_KIND_WORDS.search(second)) and not heading_marker(second) and not _SPEAKER.match(second)


def _signature_start(text: str, spans: list[tuple[int, int]], body_from: int) -> int:
    """Index of the first signature line: a closing date, and the organisation signing above it."""
    n = len(spans)
    if n - body_from < 2 or not is_date_line(text[spans[-1][0] : spans[-1][1]]):
        return n
    above = text[spans[-2][0] : spans[-2][1]]
    if len(above) <= 30 and _UNPUNCTUATED.match(above) and not heading_marker(above) and n - 2 > body_from:
        return n - 2
    return n - 1


def _body_units(text: str, span: tuple[int, int], style: str) -> list[_Unit]:
    start, end = span
    line = text[start:end]
    if style == "table":
        return [_Unit("paragraph", start, end)]
    marker = heading_marker(line)
    if marker is not None:
        level, body_at = marker
        cut = next((k for k in range(body_at, len(line)) if line[k] in HEADING_END), None)
        if cut is not None and cut + 1 < len(line):
            if cut + 1 > _MAX_HEADING_CHARS:
                return [_Unit("paragraph", start, end, level)]
            body = cut + 1 + (len(line[cut + 1 :]) - len(line[cut + 1 :].lstrip()))
            return [_Unit("heading", start, start + cut + 1, level), _Unit("paragraph", start + body, end)]
        # "——抓好近视防控…，力争近视率下降2个百分点。" is a numbered sentence of content, not a heading.
        if len(line) <= _MAX_UNSPLIT_HEADING_CHARS and not (
            line.endswith("。") and len(line) > _MAX_HEADING_CHARS
        ):
            return [_Unit("heading", start, end, level)]
        return [_Unit("paragraph", start, end, level)]  # a numbered paragraph: a sibling of such headings
    if style.startswith("heading") or style == "title":
        return [_Unit("heading", start, end, style_level=int(style[-1]) if style[-1].isdigit() else 1)]
    if _is_plain_part_heading(line):
        return [_Unit("heading", start, end, level=1)]
    return [_Unit("paragraph", start, end)]


def _is_plain_part_heading(line: str) -> bool:
    """Short unpunctuated lines naming a part of the outline: "上半年主要工作", "存在的主要问题"."""
    return (
        4 <= len(line) <= 30
        and bool(_UNPUNCTUATED.match(line))
        and not _CAPTION.match(line)
        and not is_date_line(line)
        and bool(_PART_HEADING_WORDS.search(line))
    )


def _resolve_style_levels(units: list[_Unit]) -> None:
    """Unnumbered styled headings: the shallowest style used in the body becomes level 1."""
    styled = [u.style_level for u in units if u.kind == "heading" and u.level == 0]
    if not styled:
        return
    offset = min(styled) - 1
    for unit in units:
        if unit.kind == "heading" and unit.level == 0:
            unit.level = min(unit.style_level - offset, 4)


# ---------------------------------------------------------------- units into parts


def _quarter_of(period: str | None) -> int | None:
    match = re.search(r"第([一二三四])季度$", period or "")
    return _QUARTER_NUMBER[match.group(1)] if match else None


def _assign_parts(
    text: str,
    units: list[_Unit],
    kind: str,
    year: int | None,
    quarter: int | None = None,
    plan_only: bool = False,
) -> list[Block]:
    levels = [u.level for u in units if u.kind == "heading"]
    top = min((lv for lv in levels if lv != 5), default=min(levels, default=0))
    ranks = _nesting_ranks(units, top)
    blocks: list[Block] = []
    part: Part = "opening"
    stack: list[tuple[float, str]] = []
    override: Part | None = None  # a paragraph-level reassignment that lasts until the next heading
    for n, unit in enumerate(units):
        span = text[unit.start : unit.end]
        if unit.kind == "heading":
            override = None
            if unit.level == top:
                # A heading that names no part continues the plans once they began: "三、强化保障，
                # 确保各项任务落到实处" after "二、…2025年重点工作" states requirements, not results.
                named = _part_of_heading(span, kind, year)
                # In a plan ("…2021年工作要点") every section is a plan.
                part, stack = named or ("plans" if part == "plans" or plan_only else "work"), []
            while stack and stack[-1][0] >= ranks[n]:
                stack.pop()
            blocks.append(Block("heading", span, unit.start, unit.end, part, unit.level, _path(stack)))
            stack.append((ranks[n], span))
            continue
        if unit.level:  # a numbered paragraph closes the sections it is a sibling of
            while stack and stack[-1][0] >= ranks[n]:
                stack.pop()
        block_part, path = override or part, _path(stack)
        if unit.kind == "paragraph" and top and part != "opening":
            if part == "work" and override is None and _PROBLEM_OPENER.search(_first_clause(span)):
                block_part, path = "problems", path[:1]
            elif part != "plans" and _opens_plans(span, year, quarter):
                override = block_part = "plans"
            if override == "plans":
                path = ()
        elif unit.kind == "paragraph" and not top and blocks and any(b.kind == "paragraph" for b in blocks):
            block_part = "plans" if _opens_plans(span, year, quarter) else "work"  # no headings at all
        blocks.append(Block(unit.kind, span, unit.start, unit.end, block_part, 0, path))  # type: ignore[arg-type]
    return _mark_closing(blocks)


def _nesting_ranks(units: list[_Unit], top: int) -> list[float]:
    """Depth used for heading paths: the level, except for "——" lead-ins that group （一） headings.

    "——聚焦主责主业，…" above "（一）…" headings is a group heading between the part and its
    sections, though its numbering says level 5.
    """
    ranks = [float(u.level) if u.level else 99.0 for u in units]
    for n, unit in enumerate(units):
        if unit.kind == "heading" and unit.level == 5:
            following = next((u.level for u in units[n + 1 :] if u.kind == "heading" and u.level != 5), None)
            nested_above = next(
                (u.level for u in reversed(units[:n]) if u.kind == "heading" and u.level != 5), top
            )
            if following is not None and top < following < 5 and following <= nested_above + 1:
                ranks[n] = top + 0.5
    return ranks


def _path(stack: list[tuple[float, str]]) -> tuple[str, ...]:
    return tuple(text for _, text in stack)


def _part_of_heading(heading: str, kind: str, year: int | None) -> Part | None:
    """Which part a top-level heading opens: the earliest telling keyword wins, then the years
    named; None when the heading tells nothing."""
    hits: list[tuple[int, Part]] = []
    for part, words in (("problems", _PROBLEM_WORDS), ("plans", _PLAN_WORDS), ("work", _WORK_WORDS)):
        for word in words:
            pos = heading.find(word)
            if pos >= 0 and not (part == "problems" and _SOLVED.search(heading[:pos])):
                hits.append((pos, part))  # type: ignore[arg-type]
    if kind == "half-year" and "下半年" in heading:
        hits.append((heading.find("下半年"), "plans"))
    if hits:
        return min(hits)[1]
    years = [int(y) for y in _YEAR.findall(heading)]
    if year and years and (max(years) > year or (kind == "speech" and max(years) >= year)):
        return "plans"
    return None


def _first_clause(paragraph: str) -> str:
    match = re.search(r"[。：:]", paragraph)
    return paragraph[: match.end()] if match else paragraph


def _opens_plans(paragraph: str, year: int | None, quarter: int | None = None) -> bool:
    """A paragraph laying out the next period's work: "下一步，…重点抓好以下工作：一是…"."""
    match = _PLAN_OPENER.match(paragraph)
    if not match:
        return False
    if match.group("year") and (year is None or int(match.group("year")) <= year):
        return False
    # "第四季度，全镇将…" plans the next quarter only in a report on an earlier one.
    named = match.group("quarter")
    if named and (quarter is None or _QUARTER_NUMBER[named[-3]] <= quarter):
        return False
    return bool(_ENUMERATION.search(paragraph)) or "重点" in paragraph or len(paragraph) > 150


def _mark_closing(blocks: list[Block]) -> list[Block]:
    """Signature, "特此汇报。" and the final rallying paragraph(s) form the closing."""
    if not any(b.kind == "heading" for b in blocks):
        last_heading = next((i for i, b in enumerate(blocks) if b.kind == "paragraph"), len(blocks))
    else:
        last_heading = max(i for i, b in enumerate(blocks) if b.kind == "heading")
    i = len(blocks) - 1
    while i > last_heading:
        block = blocks[i]
        closing = (
            block.kind == "signature"
            or _CLOSING_FORMULA.match(block.text)
            or (
                block.kind == "paragraph"
                # a numbered item that is a whole sentence is content, not the heading of this paragraph
                and (blocks[i - 1].kind != "heading" or blocks[i - 1].text.endswith("。"))
                and _is_closing_paragraph(block.text)
            )
        )
        if not closing and not (block.kind == "paragraph" and _SPEECH_CALL.match(block.text)):
            break
        blocks[i] = replace(block, part="closing", heading_path=())
        i -= 1
    return blocks


def _is_closing_paragraph(paragraph: str) -> bool:
    if _ENUMERATION.search(paragraph):
        return False
    if _CLOSING_OPENER.match(paragraph) and len(paragraph) <= 250:
        return True
    return len(paragraph) <= 120 and "将" in paragraph and not re.search(r"\d", paragraph)
