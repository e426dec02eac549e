"""Who is writing: how a body refers to itself after its first mention (我局, 我部, 局党委 …) and
under whose leadership it works (在县委、县政府的坚强领导下), from prompts/bodies.yaml.

The body's kind comes from the ending of its name, its level from the places named at its start
("临河县石门镇党委": 县, then 镇). A writer's ``superior`` always wins over the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.outlines.register import OTHER_LEVEL, BodyKind, Register

# A place at the start of a name: two or more characters, then its level. "社区" and "园区" are
# not districts; "市场" is not a city (a level needs two characters before it).
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:街道|(?<![社小园景片辖校])区|省|市|州|县|旗|镇|乡)(?![场])")
_LEVEL_OF = {"街道": "街道"}


@dataclass(frozen=True)
class Body:
    """The writing body's register: ``self_name`` ("我局"), ``superior`` ("县委、县政府") and the
    leadership phrase ``led_by`` ("在县委、县政府的坚强领导下")."""

    kind: str
    self_name: str
    superior: str
    led_by: str


def places(org: str) -> tuple[list[str], str]:
    """The levels of the places at the start of ``org`` ("临河县石门镇党委" → [县, 镇]) and the rest."""
    levels: list[str] = []
    rest = org.strip()
    while match := _PLACE.match(rest):
        place = match.group(0)
        levels.append("街道" if place.endswith("街道") else place[-1])
        rest = rest[match.end() :]
    return levels, rest


def body_kind(org: str, register: Register) -> BodyKind:
    """The first row of the table that fits ``org``; the table's default when none does."""
    levels, rest = places(org)
    name = org.strip()
    for kind in register.kinds:
        if not any(name.endswith(e) for e in kind.endings):
            continue
        if kind.after_place and not (levels and any(rest.startswith(p) for p in kind.after_place)):
            continue
        if kind.contains and not any(c in name for c in kind.contains):
            continue
        return kind
    return register.default_kind


def describe_body(org: str, register: Register, superior: str | None = None) -> Body:
    """The register of ``org``: its self-reference and leadership wording (``superior`` overrides)."""
    kind = body_kind(org, register)
    levels, _ = places(org)
    own = levels[-1] if levels else None
    if kind is register.default_kind:
        level = None  # an unknown kind of body: its leader's level is unknown too
    elif kind.level == "上一级":
        level = levels[-2] if len(levels) >= 2 else register.parents.get(own or "")
    else:
        level = own
    column = register.leaders.get(kind.leader, {})
    leader = superior or column.get(level or "", column.get(OTHER_LEVEL, "上级党委"))
    self_name = kind.self_name.replace("{level}", own or "")
    if "{level}" in kind.self_name and not own:
        self_name = register.default_kind.self_name
    return Body(kind.label, self_name, leader, kind.phrase.replace("{superior}", leader))
