"""Area subheadings in the register ("粮食生产" → "扎实抓好粮食生产") from prompts/headings.yaml.

A pattern only adds a verb of effort or direction to the area's own words, so a heading never
claims more than the facts do. Headings are chosen for a whole part at once, so no pattern is
used twice in a report; when the patterns run out the heading is the area's name.
"""

from __future__ import annotations

from collections.abc import Sequence

from drafting.outlines.patterns import fill_pattern
from drafting.outlines.register import Register

PLAIN, STYLED = "plain", "styled"


def area_work(area: str, register: Register) -> str:
    """The area as the object of a verb: "公共卫生" → "公共卫生工作", "基层组织建设" unchanged."""
    return area if area.endswith(register.activity_endings) else f"{area}工作"


def styled_titles(
    part: str, areas: Sequence[str | None], register: Register, used: set[str]
) -> list[str | None]:
    """One register heading text per area (None for an area-less group), in order.

    ``used`` holds the patterns already spent in this report; it is updated.
    """
    titles: list[str | None] = []
    rules = register.heading_rules.get(part, ())
    defaults = register.heading_defaults.get(part, ())
    for area in areas:
        if not area:
            titles.append(None)
            continue
        candidates = [p for r in rules if any(w in area for w in r.words) for p in r.patterns]
        candidates += list(defaults)
        values = {"area": area, "area_work": area_work(area, register)}
        title = None
        for pattern in candidates:
            if pattern in used:
                continue
            title = fill_pattern(pattern, values)
            if title:
                used.add(pattern)
                break
        titles.append(title or area)
    return titles
