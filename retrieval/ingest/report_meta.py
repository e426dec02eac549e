"""What a report is about, read from its title: kind, period, year and issuing organisation.

Titles of official reports follow a formula — "{机构}{年份}{时段}工作总结和{下一时段}工作计划",
"{机构}关于{年份}{季度}工作情况的汇报", "在{会议}上的讲话" — so a few patterns go a long way.
What the title lacks may come from the signature, a speech's date line or a file name such as
"2025Q2-石门镇党委-情况汇报.txt".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("half-year", "year-end", "quarterly", "speech", "other")

_CN_NUMERALS = {ch: n % 10 for n, ch in enumerate("〇一二三四五六七八九", start=10)} | {"○": 0, "零": 0}
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}

_YEAR = re.compile(r"((?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年")
_QUARTER = re.compile(r"第?([一二三四1-4])\s*季度|[Qq]([1-4])\b")
_SPEECH = re.compile(r"讲话|致辞|发言|讲稿|报告会上|动员会上|会议上的")
_YEAR_END = re.compile(r"年度|全年|年终|总结")
# "2021年工作要点", "2025年工作计划": the year's plan, not its summary.
_PLAN_ONLY = re.compile(r"(?:要点|计划|安排|打算|思路)(?:[（(][^）)]{1,12}[）)])?$")
_SUMMARY = re.compile(r"总结|汇报|报告|情况|回顾")
_FILE_NAME = re.compile(r"^((?:19|20)\d{2})(?:[Qq]([1-4])|[Hh]([12]))?[-_ ]([^-_ ]{2,30})[-_ ]")
_ORG_BEFORE_YEAR = re.compile(
    r"^(?P<org>.{2,40}?)(?:关于)?(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年"
)
_ORG_BEFORE_ABOUT = re.compile(r"^(?P<org>.{2,40}?)关于")
# "临河县卫生健康局上半年工作总结": no year, the period or the kind of work follows the issuer.
_ORG_BEFORE_PERIOD = re.compile(
    r"^(?P<org>.{2,30}?)(?:上半年|下半年|半年|[第前]?[一二三四1-4]季度|年度|全年|年终|工作(?:总结|汇报|报告|计划|要点))"
)
_ORG_SUFFIX = re.compile(
    r"(?:局|委|委员会|会|院|办|办公室|府|政府|公司|集团|街道|镇|乡|村|社区|学校|小学|中学|大学|学院|医院|中心|部|厅"
    r"|处|所|站|队|行|支行|分行|党委|党组|党工委|法院|检察院|协会|联合会|团委|妇联|科|馆|园|社)$"
)
# The opening's first clause names the period when the title does not: "2020年上半年，局党委…".
_OPENING_CLAUSE = re.compile(r"^[^，。：,:]{0,30}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class ReportMeta:
    """What a report covers and who issued it."""

    kind: str  # one of KINDS
    period: str | None  # "2025年上半年", "2025年第三季度", "2024年全年", "2025年"
    year: int | None
    org: str | None


def read_meta(
    title: str,
    *,
    file_name: str = "",
    dates: tuple[str, ...] = (),
    signature_org: str | None = None,
    has_greeting: bool = False,
    opening: str = "",
) -> ReportMeta:
    """Kind, period, year and organisation of a report.

    ``dates`` are date lines found in the front matter or signature (a speech's "（2025年3月6日）"),
    used when the title has no year. The organisation comes from the title, else the signature,
    else a file name of the form "年份-机构-…".
    """
    stem = file_name.rsplit("/", 1)[-1]
    file_match = _FILE_NAME.match(stem)
    clause = _OPENING_CLAUSE.match(opening.strip())
    if clause and not _YEAR.search(title) and _YEAR.search(clause.group()):
        # The title says what the report is, the opening when: read the two as one.
        title_and_opening = f"{clause.group()} {title}"
    else:
        title_and_opening = title
    kind = _kind(title_and_opening, file_match, has_greeting and not _YEAR.search(title))
    year = _first_year(title)
    if year is None:
        year = next((y for d in dates if (y := _first_year(d)) is not None), None)
    if year is None:
        year = _first_year(title_and_opening)
    if year is None and file_match:
        year = int(file_match.group(1))
    org = _org_from_title(title)
    if org and signature_org and signature_org.startswith(org):
        org = signature_org  # "云岭街道" in the title, "云岭街道办事处" signs: the full name
    org = org or _org_from_meeting(title) or signature_org or _org_from_file_name(file_match)
    period = _period(title_and_opening, kind, year, file_match)
    return ReportMeta(kind=kind, period=period, year=year, org=org)


def _kind(title: str, file_match: re.Match[str] | None, has_greeting: bool) -> str:
    if _SPEECH.search(title) or (has_greeting and not _YEAR.search(title)):
        return "speech"
    if _QUARTER.search(title) or (file_match and file_match.group(2)):
        return "quarterly"
    if "半年" in title or (file_match and file_match.group(3)):
        return "half-year"
    if is_plan_only(title):
        return "other"
    if _YEAR.search(title) and _YEAR_END.search(title):
        return "year-end"
    return "other"


def _period(title: str, kind: str, year: int | None, file_match: re.Match[str] | None) -> str | None:
    if year is None:
        return None
    if kind == "half-year":
        return f"{year}年下半年" if "下半年" in title and "上半年" not in title else f"{year}年上半年"
    if kind == "quarterly":
        if "前三季度" in title:
            return f"{year}年前三季度"
        match = _QUARTER.search(title)
        digit = (match.group(1) or match.group(2)) if match else (file_match.group(2) if file_match else None)
        return f"{year}年{_QUARTER_NAMES[_QUARTERS[digit]]}" if digit else f"{year}年"
    if kind == "year-end":
        return f"{year}年全年"
    return f"{year}年"


def is_plan_only(title: str) -> bool:
    """A plan for a coming period ("溪口镇中心小学2021年工作要点"), with no summary in it."""
    return bool(_PLAN_ONLY.search(title)) and not _SUMMARY.search(title)


def _first_year(text: str) -> int | None:
    match = _YEAR.search(text)
    if not match:
        return None
    digits = match.group(1)
    if digits.isdigit():
        return int(digits)
    return int("".join(str(_CN_NUMERALS[ch]) for ch in digits))


def _org_from_title(title: str) -> str | None:
    # "关于城南支行党委2025年第三季度工作情况的汇报": the issuer may follow a leading 关于.
    title = title.removeprefix("关于")
    for pattern in (_ORG_BEFORE_YEAR, _ORG_BEFORE_ABOUT, _ORG_BEFORE_PERIOD):
        match = pattern.match(title)
        if match:
            org = match.group("org").strip(' ，,：:“”"')
            org = org.removesuffix("关于")
            if pattern is _ORG_BEFORE_PERIOD and not _ORG_SUFFIX.search(org):
                continue  # "2025年上半年": no issuer before the period
            if 2 <= len(org) <= 30 and _CJK.search(org) and not org.startswith("在"):
                return org
    return None


_MEETING_HOST = re.compile(
    r"^在(?P<org>[^，,。在]{2,30}?)(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年"
)


def _org_from_meeting(title: str) -> str | None:
    """ "在安澜市第一人民医院2024年工作会议上的讲话": the body holding its own meeting."""
    match = _MEETING_HOST.match(title)
    if match and _ORG_SUFFIX.search(match.group("org")):
        return match.group("org")
    return None


def _org_from_file_name(match: re.Match[str] | None) -> str | None:
    if match and _CJK.search(match.group(4)):
        return match.group(4)
    return None
