"""The document date (成文日期) in the standard's form: Arabic numerals, no leading zeros.

GB/T 9704 writes the date under the signature as "2026年7月5日". Writers type 2026-07-05,
2026.7.5, 2026年07月05日 or 二〇二六年七月五日; all become the standard form. Anything else is
not a date the exporter can print, so the fact sheet rejects it with a message saying how to write it.
"""

from __future__ import annotations

import datetime as dt
import re

DATE_PLACEHOLDER = "【待补充：成文日期】"
DATE_HINT = "请写成 2026年7月5日 或 2026-07-05"

_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}
_ARABIC = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_CHINESE = re.compile(
    r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)


def _cn_number(text: str) -> int | None:
    """十二 → 12, 三十一 → 31, 五 → 5 (month and day numbers only)."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(_CN_DIGITS[c] for c in text))
    tens, _, ones = text.partition("十")
    return int(_CN_DIGITS.get(tens, "1") if tens else 1) * 10 + (int(_CN_DIGITS[ones]) if ones else 0)


def parse_date(text: str) -> dt.date | None:
    """The calendar date a writer typed, or None when it is not one (also for 2026年2月30日)."""
    text = " ".join((text or "").split())
    parts: tuple[int | None, ...] | None = None
    if m := _ARABIC.fullmatch(text):
        parts = tuple(int(g) for g in m.groups())
    elif m := _CHINESE.fullmatch(text):
        parts = (
            int("".join(_CN_DIGITS[c] for c in m.group(1))),
            _cn_number(m.group(2)),
            _cn_number(m.group(3)),
        )
    if parts is None or None in parts:
        return None
    year, month, day = parts
    try:
        return dt.date(year, month, day)  # type: ignore[arg-type]
    except ValueError:
        return None


def format_date(date: dt.date) -> str:
    """2026年7月5日."""
    return f"{date.year}年{date.month}月{date.day}日"


def normalise_date(text: str) -> str:
    """A date in the standard's form ("2026年7月5日"); text that is no date comes back trimmed, unchanged."""
    parsed = parse_date(text)
    return format_date(parsed) if parsed else " ".join((text or "").split())
