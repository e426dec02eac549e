"""The blocks a collected report carries above its title and below its end.

Sites put 5–10 lines on top of every file they serve (site name, slogans, 【…】 notices, empty contact
labels) and a tail below (copyright, "下载完整版", previous/next links). Judged line by line, some of
those lines pass for content; judged as a block they do not. The report starts at the line that looks
like its title and is followed by report lines; everything above it is one block. The report ends at
its last line of report shape (a closing sentence, "特此汇报。", a signature or a date); the lines
below it that carry marks of a site form the tail. Works on one file alone: repetition in other
files is not needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.ingest.report_lines import (
    CONTACT,
    COPYRIGHT,
    is_prose,
    is_report_line,
    is_title_fragment,
    looks_like_title,
    marketing_words,
    noise_signals,
)

_CLAUSE_MARK = re.compile(r"[，。；：！？,;:!?]")

REASON_TOP_BLOCK = "标题之前的网站标识、广告等非正文块"
REASON_TAIL_BLOCK = "正文结束后的网站版权、下载提示等非正文块"
REASON_BYLINE = "标题与正文之间的发布信息、整理者联系方式"

_TITLE_WITHIN = 20  # the title is among the first lines of text (a long ad block has about 10)
_BODY_LOOKAHEAD = 4  # lines after the title in which the body must begin


@dataclass(frozen=True)
class Edges:
    """Where the report itself starts and ends in a list of lines (end exclusive)."""

    title_start: int | None  # first line of the title, None when no title was recognised
    title_end: int  # line after the title (== body start when a title was found)
    body_end: int  # lines from here on are the tail block
    byline: frozenset[int] = frozenset()  # site lines between the title and the body

    def reason(self, i: int) -> str | None:
        if self.title_start is not None and i < self.title_start:
            return REASON_TOP_BLOCK
        if i >= self.body_end:
            return REASON_TAIL_BLOCK
        if i in self.byline:
            return REASON_BYLINE
        return None


def find_edges(texts: Sequence[str], styles: Sequence[str] = ()) -> Edges:
    """The report's title and end among ``texts`` (one per line, markup already stripped)."""
    styles = list(styles) or ["body"] * len(texts)
    title = _title_span(texts, styles)
    start, end = title if title else (None, 0)
    byline = _byline(texts, end) if title else frozenset()
    return Edges(start, end, _body_end(texts, styles, end), byline)


def _byline(texts: Sequence[str], after: int) -> frozenset[int]:
    """Lines with a site's marks between the title and the first report line below it."""
    found: set[int] = set()
    for i in range(after, min(len(texts), after + _BODY_LOOKAHEAD)):
        text = texts[i].strip()
        if not text:
            continue
        # An addressee ("县人民政府：") or greeting is the body's first line even if shaped like a label.
        if is_prose(text) or (is_report_line(text) and not (CONTACT.search(text) or marketing_words(text))):
            break
        if noise_signals(text):
            found.add(i)
    return frozenset(found)


def _title_span(texts: Sequence[str], styles: Sequence[str]) -> tuple[int, int] | None:
    seen = 0
    for i, text in enumerate(texts):
        if not text.strip():
            continue
        seen += 1
        if seen > _TITLE_WITHIN:
            return None
        span = _title_at(texts, i)
        if span and _body_follows(texts, span[1]):
            return span
        if is_prose(text) and not noise_signals(text):
            return None  # the report's prose began before anything looked like its title
    return None


def _title_at(texts: Sequence[str], i: int) -> tuple[int, int] | None:
    """The title span starting at line ``i`` (one line, or an organisation line above the title)."""
    text = texts[i].strip()
    following = _next_nonblank(texts, i + 1)
    if looks_like_title(text):
        return i, i + 1
    if following is not None and is_title_fragment(text) and looks_like_title(texts[following].strip()):
        return i, following + 1
    if following is not None and _plain(text):
        # "远山县林业局2023年度" / "工作总结": a title broken before its last words.
        rest = texts[following].strip()
        if len(rest) <= 12 and _plain(rest) and looks_like_title(text + rest):
            return i, following + 1
    return None


def _plain(text: str) -> bool:
    return not noise_signals(text) and not _CLAUSE_MARK.search(text)


def _body_follows(texts: Sequence[str], after: int) -> bool:
    """Report lines follow the title (noise lines such as "某某整理，咨询QQ…" may sit between)."""
    checked = 0
    for text in texts[after:]:
        if not text.strip():
            continue
        checked += 1
        if checked > _BODY_LOOKAHEAD:
            return False
        if noise_signals(text) and not is_prose(text):
            continue
        if looks_like_title(text):
            return False  # a list of titles (a sidebar, "related articles"): the report is further down
        if is_report_line(text):
            return True
        if is_prose(text):
            return True
    return False


def _body_end(texts: Sequence[str], styles: Sequence[str], body_start: int) -> int:
    end = len(texts)
    for i in range(len(texts) - 1, body_start - 1, -1):
        text = texts[i].strip()
        if not text:
            end = i if end == i + 1 else end
            continue
        if styles[i] != "body":
            break
        if _tail_noise(text):
            end = i
            continue
        if is_report_line(text):
            break
    return end


def _tail_noise(text: str) -> bool:
    """A line below the report's end that a site added: prose-shaped tails need a strong mark."""
    if is_prose(text):
        # "查处未经许可使用…" and "微信公众号…扫码预约" are report sentences: a site's own tail names
        # the site or the reader's download besides its copyright or contact.
        marketing = marketing_words(text)
        return bool(COPYRIGHT.search(text) or CONTACT.search(text)) and marketing >= 1 or marketing >= 3
    return noise_signals(text) > 0


def _next_nonblank(texts: Sequence[str], start: int) -> int | None:
    return next((j for j in range(start, len(texts)) if texts[j].strip()), None)
