"""Plain-text tables for the terminal, aligned by display width: a Chinese character takes two cells."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    """The text cut to ``limit`` cells, ending in "…" when it was cut."""
    if display_width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def format_table(rows: Sequence[Sequence[object]], limits: Sequence[int] | None = None) -> str:
    """Rows (the first one the headers) as aligned columns; cells clipped to ``limits`` when given."""
    cells = [[str(c) for c in row] for row in rows]
    if limits is not None:
        cells = [[clip(c, lim) for c, lim in zip(row, limits, strict=True)] for row in cells]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
