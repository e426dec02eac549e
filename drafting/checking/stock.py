"""Standard sentences used more than once in one report: a draft that repeats "围绕…，" or
"通过上述举措，" reads as filled in by machine. Each outline pattern becomes a regular expression
(its slots match any short run of text) and is counted over the whole report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from drafting.model import Outline

MIN_FIXED_CHARS = 4  # patterns with less fixed wording ("{area}") say nothing worth counting
_SLOT = re.compile(r"\{[^{}]*\}")
_CLAUSE_START = r"(?:^|(?<=[。，；：！？])|(?<=[一二三四五六七八九十]是))"


def stock_patterns(outline: Outline, extra: Iterable[str] = ()) -> list[str]:
    """Every standard sentence of ``outline`` (and ``extra``), without duplicates. Area heading
    frames ("突出一个“{keyword}”字，{area_title}") are a report's format, repeated by design."""
    patterns = [
        p for op in outline.parts for k, ps in op.connectives.items() if k != "area_heading" for p in ps
    ]
    return list(dict.fromkeys([*patterns, *extra]))


def repeated_stock(text: str, patterns: Iterable[str]) -> dict[str, int]:
    """Pattern → how often it occurs in ``text``, for the patterns occurring more than once."""
    repeated: dict[str, int] = {}
    for pattern in patterns:
        fixed = _SLOT.split(pattern)
        if sum(len(f) for f in fixed) < MIN_FIXED_CHARS:
            continue
        regex = "[^。；：！？\n]{1,40}?".join(re.escape(f) for f in fixed)
        # A standard sentence starts a clause; the same words inside a fact are the writer's.
        count = len(re.findall(_CLAUSE_START + regex, text, flags=re.MULTILINE))
        if count > 1:
            repeated[pattern] = count
    return repeated
