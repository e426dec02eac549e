"""An area's label as a writer types it in pasted text or in the facts table: the area's name,
then optional notes in full-width brackets, each the text form of one YAML key of the area.

    粮食生产                                   the name alone                  (area:)
    疫情防控（突出“早”字）                      a quarterly highlight's keyword  (keyword:)
    粮食生产（小标题：稳住粮食生产基本盘）         the area's own subheading        (heading:)
    农村改厕（回应：2）                         a plan answering problem 2       (answers:)
    农村改厕（回应：2、户厕管护）                 several answers, split at 、      (answers: [2, 户厕管护])
    乡村产业（小标题：聚焦产业发展，促进增收）（回应：1）   notes combine, in any order

"针对" may stand for "回应", ":" for "：". A note's text may not itself contain brackets; any
other bracket ("干部教育（含培训）") stays part of the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOTE = re.compile(
    r"（(?:突出[“\"‘']?(?P<keyword>[^”\"’'（）]{1,6})[”\"’']?字"
    r"|(?P<key>小标题|回应|针对)\s*[：:]\s*(?P<value>[^（）]{1,80}))）$"
)
_ANSWER_SPLIT = re.compile(r"\s*[、，,；;]\s*")


@dataclass(frozen=True)
class AreaLabel:
    area: str
    keyword: str | None = None
    heading: str | None = None
    answers: tuple[str, ...] = ()


def parse_area_label(label: str) -> AreaLabel:
    """The name and the notes of ``label`` (format in the module docstring)."""
    rest = label.strip()
    keyword: str | None = None
    heading: str | None = None
    answers: list[str] = []
    while match := _NOTE.search(rest):
        if match.start() == 0:
            break  # a label that is only a note has no name: leave it as it is
        if match.group("keyword"):
            keyword = keyword or match.group("keyword").strip()
        elif match.group("key") == "小标题":
            heading = heading or match.group("value").strip()
        else:
            answers = [a for a in _ANSWER_SPLIT.split(match.group("value").strip()) if a] + answers
        rest = rest[: match.start()].rstrip()
    return AreaLabel(rest, keyword, heading, tuple(answers))


def format_area_label(
    area: str, keyword: str | None = None, heading: str | None = None, answers: tuple[str, ...] = ()
) -> str:
    """The label ``parse_area_label`` reads back to the same name and notes."""
    label = area
    if keyword:
        label += f"（突出“{keyword}”字）"
    if heading:
        label += f"（小标题：{heading}）"
    if answers:
        label += f"（回应：{'、'.join(answers)}）"
    return label
