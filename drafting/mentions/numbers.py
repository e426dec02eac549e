"""Numbers and dates in Chinese report text, normalised so reviewers' comparisons are fair.

"三期" and "3期" are the same count, "1.2亿元" and "12000万元" the same amount, "百分之九十" and
"90%" the same percentage, "2026年3月" a date. Grounding compares drafts with facts through
``NumberMention.key`` and ``date_supported``; the outline loader uses ``extract_numbers`` to keep
numbers out of the composer's standard sentences.

Chinese numerals are ambiguous in running text ("进一步", "一些", "三中全会", "十四五"), so they
count only when a measure word follows ("三期", "一百八十人次"), after 百分之, or in a date.
A lone "一" is not counted: "一批""一个""一次" are almost always vague, not a claim.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

NumberKind = Literal["count", "percent", "date"]
DateParts = tuple[int | None, int | None, int | None]  # year, month, day

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}
_MULTIPLIERS = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6}
_MULTIPLIERS |= {"亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(10) ** 3}

_CN_RUN = "[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇○一二三四五六七八九]+)?"
_CN_DIGIT = "[〇○零一二三四五六七八九]"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"

# Measure words that make a Chinese numeral a count. Longest first, so "人次" wins over "人".
_MEASURE_WORDS = (
    "人次 场次 个百分点 百分点 个月 季度 万元 亿元 公里 千米 平方米 公顷 公斤 "
    "千克 个 项 名 期 家 场 次 人 户 所 座 条 件 批 篇 支 类 台 套 门 "
    "处 起 份 本 册 年 天 周 轮 倍 成 元 米 亩 吨 间 张 例 宗 笔 辆 栋 "
    "幢 位 村 组 部 节 课 班 趟 遍 页 首 幅 封 棵 株 头 只 箱 袋 斤 万 "
    "亿"
)
_MEASURES = sorted(_MEASURE_WORDS.split(), key=len, reverse=True)
_MEASURE = "(?:" + "|".join(_MEASURES) + ")"

# Fixed political and administrative expressions: numerals in them are names, not claims.
_FIXED = re.compile(
    "[两三四五六七八九]个(?:意识|自信|维护|确立|全面|务必|结合|必须|代表|伟大|服务|统筹|坚持|不变|没有变)"
    "|中央八项规定|八项规定|[三四五]位一体|一件事一次办|最多跑一次|第一书记|第一议题|第一责任人|第一时间"
)
# Numbering that structures the text rather than stating a fact: "1." "2、" "（1）" at a line or
# sentence start. Chinese numbering (一、 （一） 一是 第一) has no measure word and is never counted.
_ARABIC_NUMBERING = re.compile(
    r"(?:^|(?<=[\n。；;：:！？!?]))[ \t　]*(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])"
)

_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月"), "ym"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "md"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s*(?=[-—～~至到]\s*\d{1,2}\s*月)"), "m"),  # "1-6月"
    (re.compile(r"(?<![\d.])(\d{1,2})\s*月"), "m"),
    (re.compile(r"(?<!\d)(\d{4})\s*年"), "y"),
    (re.compile(f"({_CN_DIGIT}{{4}})年"), "y"),
    (re.compile(f"(?<![零〇○一二两三四五六七八九十百千])({_CN_SMALL})月(?:({_CN_SMALL})[日号])?"), "md?"),
)
_PERCENT_ARABIC = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*[%％]")
_PERCENT_CHINESE = re.compile(f"百分之({_CN_RUN})")
_ARABIC = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(万亿|千万|百万|亿|万|千)?"
    f"(?:(?:余|多)?({_MEASURE}))?"
)
_CHINESE = re.compile(f"(?<![零〇○一二两三四五六七八九十百千万亿])(第)?({_CN_RUN})(?:余|多|来)?({_MEASURE})")


@dataclass(frozen=True)
class NumberMention:
    """A number found in text. ``start``/``end`` are offsets into that text, end exclusive."""

    text: str
    start: int
    end: int
    kind: NumberKind
    value: Decimal | None = None  # counts and percentages, in base units (万 and 亿 expanded)
    date: DateParts | None = None
    unit: str = ""  # the measure word, normalised ("期", "人", "元", "%"); "" for a bare number
    counted: str = ""  # the words next to the number that say what it counts (see same_measure)
    head: str = ""  # the counted noun's last two characters, where its end is known ("品牌")

    @property
    def key(self) -> tuple[str, object]:
        """What two mentions must share to be the same number (dates compare by parts)."""
        return (self.kind, self.date if self.kind == "date" else self.value)


# Spellings of one unit: "180名" and "180人" count the same people, "1.2亿元" and "12000万元" the
# same money (the 万/亿 is already in the value).
_UNIT_ALIASES = {"名": "人", "位": "人", "万元": "元", "亿元": "元", "万": "", "亿": "", "千米": "公里"}
_UNIT_ALIASES |= {"千克": "公斤", "个百分点": "百分点", "场次": "场"}
# Classifiers that count things of any sort: "3个" may be brands or public institutions, "5家"
# hospitals or firms. For these the unit alone does not say what is counted; the noun must agree.
# Every other unit (期 场 次 轮 人 人次 元 % 百分点 公里 亩 天 个月 倍 …) is a measure or an event
# count, and the unit itself is what two mentions must share.
CLASSIFIERS = frozenset(
    "个项件批类种条处支套台座所家户篇份本册起宗笔例张间组村门部节课班首幅封棵株头只箱袋辆栋幢页"
)
_HEAD_CHARS = 6  # how far before a number its counted noun may reach ("示范品牌3个")
_PHRASE_CHARS = 12  # how far after a classifier ("3个处级事业单位分类改革")
_NOT_COUNTED = re.compile("^(?:以上|以下|左右|之多|多|余)+")
# Words that link a noun to its number ("示范点达到3个", "党支部共5个"); the noun sits before them.
_LINKING = re.compile(
    "(?:达到|增至|增加到|增加|新增|共计|共有|累计|总计|合计|总数|数量|分别|超过|完成|达|共|为|有|至|到|已|约|近|超|逾|计)+$"
)
_CJK_BEFORE = re.compile("[\u3400-\u9fff]+$")
_CJK_AFTER = re.compile("^[\u3400-\u9fff]+")


def same_measure(a: NumberMention, b: NumberMention) -> bool:
    """Whether two mentions of one value carry the same measure, i.e. may be the same claim.

    Used when a draft's number is not in the facts of its own section but the value occurs in
    another section's facts: "3期" about training classes is backed by a "3期" anywhere, but
    "打造市级示范品牌3个" is not backed by "推进3个处级事业单位…".

    * Same kind (count, percent) and value, and the same normalised **unit**: the measure word
      right after the number ("期", "人次", "元" for 万元/亿元, "%", "百分点"), with spellings of
      one unit merged (名/位 = 人, 场次 = 场). A bare number has the unit "".
    * When the unit is a general classifier (``CLASSIFIERS``: 个 项 件 家 所 …) it does not say
      what is counted, so the **counted noun** must agree too. Chinese puts it on either side:
      - "N个X" ("推进3个处级事业单位分类改革"): ``counted`` is the words after the classifier, up
        to twelve characters. Where the noun ends is known only when the clause ends within six
        characters ("建成3个示范点，"); then its last two characters are the ``head`` noun (范点).
      - "X N个" ("打造市级示范品牌3个", "示范点达到3个"): a number that closes its clause counts
        the words before it, linking words (达到, 共, 累计, 完成 …) skipped; ``counted`` is up to
        six characters and ``head`` their last two (品牌, 范点).
      Two nouns agree when a head occurs in the other mention's words ("示范点3个" and
      "3个示范点"; "事业单位3个" and "3个处级事业单位"), or, with no head on either side,
      when their first six characters share a pair of adjacent characters. So "三个市级示范品牌"
      and "3个示范点" do not agree: a 品牌 is not a 示范点. A side with no words at all (a number
      alone in its clause) cannot disagree.
    """
    if a.key != b.key or a.unit != b.unit:
        return False
    if a.unit not in CLASSIFIERS or not a.counted or not b.counted:
        return True
    heads = [(m.head, other) for m, other in ((a, b), (b, a)) if m.head]
    if heads:
        return any(head in other.counted for head, other in heads)
    return bool(_char_pairs(a.counted[:_HEAD_CHARS]) & _char_pairs(b.counted[:_HEAD_CHARS]))


def _char_pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _counted(text: str, start: int, end: int) -> tuple[str, str]:
    """The words a number counts and their head noun, if known (see ``same_measure``)."""
    after = _CJK_AFTER.match(text[end:])
    following = _NOT_COUNTED.sub("", after.group(0)) if after else ""
    if following:
        words = following[:_PHRASE_CHARS]
        return words, (words[-2:] if len(following) <= _HEAD_CHARS else "")
    before = _CJK_BEFORE.search(text[:start])
    preceding = _LINKING.sub("", before.group(0)) if before else ""
    return preceding[-_HEAD_CHARS:], preceding[-2:]


def _unit(measure: str | None) -> str:
    measure = measure or ""
    return _UNIT_ALIASES.get(measure, measure)


def chinese_numeral_value(text: str) -> Decimal | None:
    """The value of a Chinese numeral such as "一百八十", "两千零五", "1.2万"'s kin "一万二千", "三点五".

    Returns None when the text is not a well-formed numeral.
    """
    if not text:
        return None
    integer, _, fraction = text.partition("点")
    whole = _chinese_integer(integer)
    if whole is None:
        return None
    if not fraction:
        return Decimal(whole)
    digits = [_DIGITS.get(ch) for ch in fraction]
    if any(d is None for d in digits):
        return None
    return Decimal(f"{whole}.{''.join(str(d) for d in digits)}")


def _chinese_integer(text: str) -> int | None:
    if not text:
        return None
    if all(ch in _DIGITS for ch in text):
        # Digit by digit ("二〇二六") only for years; a lone digit is itself.
        return int("".join(str(_DIGITS[ch]) for ch in text)) if len(text) in (1, 4) else None
    total, section, digit = Decimal(0), 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        elif ch in _BIG_UNITS:
            section += digit or 0
            if section == 0 and total == 0:
                return None
            total = (total + section) * _BIG_UNITS[ch] if ch == "亿" else total + section * _BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return int(total + section + (digit or 0))


def _arabic_value(integer: str, fraction: str | None, multiplier: str | None) -> Decimal | None:
    try:
        value = Decimal(integer.replace(",", "") + (fraction or ""))
    except InvalidOperation:
        return None
    return value * _MULTIPLIERS[multiplier] if multiplier else value


def _chinese_date_part(text: str | None) -> int | None:
    if not text:
        return None
    value = chinese_numeral_value(text)
    return int(value) if value is not None else None


_HALF_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def extract_numbers(text: str) -> list[NumberMention]:
    """Every number, percentage and date in ``text``, in order, non-overlapping.

    Numbering tokens ("1." at a sentence start, "（1）", 一、 （一） 一是 第一) and fixed expressions
    ("两个维护", "中央八项规定") are not numbers.
    """
    original = text
    # Full-width digits and point (３期, １２．５％) read as their ASCII forms; one character for
    # one, so every offset still points into the original text.
    text = text.translate(_HALF_WIDTH)
    taken = [False] * len(text)
    found: list[NumberMention] = []

    def claim(start: int, end: int) -> bool:
        if start >= end or any(taken[start:end]):
            return False
        taken[start:end] = [True] * (end - start)
        return True

    def add(
        match: re.Match[str], kind: NumberKind, *, value: Decimal | None = None, date=None, unit: str = ""
    ) -> None:
        start, end = match.span()
        if claim(start, end):
            counted, head = _counted(original, start, end) if kind != "date" else ("", "")
            found.append(
                NumberMention(original[start:end], start, end, kind, value, date, unit, counted, head)
            )

    for match in _FIXED.finditer(text):
        claim(*match.span())
    for match in _ARABIC_NUMBERING.finditer(text):
        claim(*match.span())
    for pattern, shape in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            date = _date_parts(match, shape)
            if date is not None:
                add(match, "date", date=date)
    for match in _PERCENT_ARABIC.finditer(text):
        add(match, "percent", value=_arabic_value(match.group(1), match.group(2), None), unit="%")
    for match in _PERCENT_CHINESE.finditer(text):
        value = chinese_numeral_value(match.group(1))
        if value is not None:
            add(match, "percent", value=value, unit="%")
    for match in _ARABIC.finditer(text):
        value = _arabic_value(match.group(1), match.group(2), match.group(3))
        if value is not None:
            add(match, "count", value=value, unit=_unit(match.group(4)))
    for match in _CHINESE.finditer(text):
        numeral = match.group(2)
        if numeral == "一" or not re.search("[零〇○一二两三四五六七八九十]", numeral):
            continue  # "一批" is vague; "万名" without a digit is not a count
        value = chinese_numeral_value(numeral)
        if value is not None:
            add(match, "count", value=value, unit=_unit(match.group(3)))
    return sorted(found, key=lambda m: m.start)


def _date_parts(match: re.Match[str], shape: str) -> DateParts | None:
    groups = match.groups()
    if shape == "md?":  # Chinese month, optional day
        month, day = _chinese_date_part(groups[0]), _chinese_date_part(groups[1])
        return (None, month, day) if month and 1 <= month <= 12 else None
    if shape == "y" and not groups[0].isdigit():
        year = _chinese_date_part(groups[0])
        return (year, None, None) if year else None
    numbers = [int(g) for g in groups]
    parts: dict[str, int] = dict(zip(shape, numbers, strict=True))
    month, day = parts.get("m"), parts.get("d")
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return (parts.get("y"), month, day)


def date_supported(date: DateParts, known: Collection[DateParts], years: Collection[int] = ()) -> bool:
    """Whether a date in a draft is backed by a known date.

    A draft date may name fewer parts than the fact ("3月" for "2026年3月15日"); a fact without
    a year stands for the sheet's own ``years``.
    """
    for other in known:
        fill: Collection[int | None] = years or (None,)
        candidates = [other] if other[0] is not None else [(y, other[1], other[2]) for y in fill]
        for cand in candidates:
            if all(part is None or part == cand[i] for i, part in enumerate(date)):
                return True
    return False
