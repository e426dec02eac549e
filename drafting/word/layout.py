"""The page layout of an exported report: GB/T 9704-2012 values as a profile an organisation can override.

The standard fixes paper, margins, sizes and typefaces; it leaves line pitch, character spacing
and font file names to practice. Those numbers (and why they are what they are) live here, as
plain data, so the exporter only applies them and an organisation can swap in its own values
with a TOML file (``LayoutProfile.from_toml``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

# Chinese type sizes in points.
SIZE_2 = 22.0  # 二号
SIZE_3 = 16.0  # 三号
SIZE_4 = 14.0  # 四号
SIZE_SMALL_4 = 12.0  # 小四

PageNumberPosition = Literal["outside", "center"]


class LayoutError(ValueError):
    """A layout profile that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class LayoutProfile:
    """Everything the exporter needs to know about the page. Defaults follow GB/T 9704-2012."""

    # Paper and type area (mm). Top and left are the standard's; bottom and right follow
    # from the 156 x 225 mm type area.
    page_width_mm: float = 210.0
    page_height_mm: float = 297.0
    margin_top_mm: float = 37.0
    margin_bottom_mm: float = 35.0
    margin_left_mm: float = 28.0
    margin_right_mm: float = 26.0

    # Typefaces are style names, not files; 仿宋_GB2312 lacks rare characters, so an
    # organisation may prefer "仿宋" for the body.
    title_font: str = "方正小标宋简体"
    body_font: str = "仿宋_GB2312"
    heading_fonts: tuple[str, str, str, str] = ("黑体", "楷体_GB2312", "仿宋_GB2312", "仿宋_GB2312")
    speaker_font: str = "楷体_GB2312"  # speaker and date lines under a speech's title
    latin_font: str = "Times New Roman"  # digits and Latin letters in running text
    table_font: str = "仿宋_GB2312"
    page_number_font: str = "宋体"

    title_size_pt: float = SIZE_2
    body_size_pt: float = SIZE_3
    table_size_pt: float = SIZE_4
    page_number_size_pt: float = SIZE_4

    # Sources disagree on bold headings; the standard's typefaces already set them apart.
    heading_bold: bool = False
    # Word's built-in headings keep with the next paragraph; a heading stranded on a page's
    # last line looks wrong, at the price of an occasional 21-line page.
    heading_keep_with_next: bool = True

    # Not in the standard: 225 mm = 637.8 pt; an exact 28.95 pt pitch gives 22 lines per page
    # (29 pt gives 21), measured in LibreOffice.
    line_pitch_pt: float = 28.95
    # 28 x 16 pt = 448 pt is wider than the 442 pt line; tightening by 0.25 pt fits 28
    # characters in LibreOffice (Word users get there through the document grid instead).
    char_spacing_pt: float = -0.25
    first_line_indent_chars: int = 2

    # "— 1 —": odd pages right, even pages left, one character in from the edge. Speeches are
    # often numbered in the centre; "center" does that.
    page_number_position: PageNumberPosition = "outside"
    page_number_inset_chars: float = 1.0
    # The number sits 7 mm below the type area (standard).
    page_number_gap_mm: float = 7.0

    # Titles longer than this are broken into two lines (trapezoid: see split_title).
    title_max_line_chars: int = 20

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise LayoutError("版式设置有误：" + "；".join(problems))

    def _problems(self) -> list[str]:
        problems = []
        for name in ("page_width_mm", "page_height_mm", "title_size_pt", "body_size_pt", "line_pitch_pt"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} 必须大于 0")
        for name in ("margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm"):
            if getattr(self, name) < 0:
                problems.append(f"{name} 不能为负数")
        if self.margin_left_mm + self.margin_right_mm >= self.page_width_mm:
            problems.append("左右页边距之和超过纸张宽度")
        if self.margin_top_mm + self.margin_bottom_mm >= self.page_height_mm:
            problems.append("上下页边距之和超过纸张高度")
        if len(self.heading_fonts) != 4 or not all(isinstance(f, str) and f for f in self.heading_fonts):
            problems.append("heading_fonts 须为 4 个字体名（一级至四级标题）")
        if self.page_number_position not in ("outside", "center"):
            problems.append('page_number_position 只能是 "outside" 或 "center"')
        if self.title_max_line_chars < 4:
            problems.append("title_max_line_chars 至少为 4")
        return problems

    @property
    def text_width_pt(self) -> float:
        """Width of the type area in points."""
        return (self.page_width_mm - self.margin_left_mm - self.margin_right_mm) * 72 / 25.4

    @property
    def first_line_indent_pt(self) -> float:
        """The two-character indent in points (characters of the body size)."""
        return self.first_line_indent_chars * self.body_size_pt

    def heading_font(self, level: int) -> str:
        """Typeface of a heading level 1-4 (levels outside are clamped)."""
        return self.heading_fonts[min(max(level, 1), 4) - 1]

    @classmethod
    def from_toml(cls, path: Path) -> LayoutProfile:
        """Read an organisation's own values; keys are the field names, missing keys keep GB/T values.

        A ``[layout]`` table is used when present, so the values can share a file with other
        settings. Raises LayoutError (Chinese message) for a missing file, bad TOML, an unknown
        key or a value of the wrong type.
        """
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LayoutError(f"找不到版式文件：{path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LayoutError(f"无法读取版式文件 {path}：{exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise LayoutError(f"版式文件 {path} 不是有效的 TOML：{exc}") from None
        if isinstance(data.get("layout"), dict):
            data = data["layout"]
        return cls(**_checked_values(data, path))


def _checked_values(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Validate TOML values against the dataclass fields' default types."""
    defaults = {f.name: f.default for f in fields(LayoutProfile)}
    unknown = sorted(set(data) - set(defaults))
    if unknown:
        raise LayoutError(f"版式文件 {path} 含有未知设置：{'、'.join(unknown)}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = defaults[key]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float | int):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif isinstance(default, tuple):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else value
        else:
            ok = isinstance(value, str)
        if not ok:
            raise LayoutError(f"版式文件 {path} 中 {key} 的取值类型不对：{value!r}")
        values[key] = value
    return values


# Where a long title may break: after these words the remainder still reads as a phrase.
# Longer markers first so "关于" wins over a lone character inside it.
_BREAK_AFTER = ("关于", "年度", "年", "的", "和", "与", "及", "暨")
_BREAK_BEFORE = ("工作总结", "工作计划", "情况汇报", "情况报告", "讲话", "报告")


def text_width_chars(text: str) -> float:
    """Width in characters of the body size: ASCII (half-width digits, Latin) counts half."""
    return sum(0.5 if ord(c) < 0x80 else 1.0 for c in text)


def split_title(title: str, max_chars: int = 20) -> list[str]:
    """Break a long title into lines at word boundaries.

    GB/T 9704 wants multi-line titles shaped as a trapezoid or diamond and broken between
    words. The rule here is deliberately simple: break at a natural boundary (after 年/关于/的/和,
    before 工作总结 and the like), preferring breaks that leave both lines within ``max_chars``,
    then the most even widths (half-width digits count half), then the shorter first line (the
    upright trapezoid). A line still too wide is broken again, which gives the diamond shape of
    three-line titles. Titles up to ``max_chars`` wide stay on one line.
    """
    title = re.sub(r"\s+", "", title)
    if not title:
        return []
    return _split(title, max_chars, depth=2)


def _split(title: str, max_chars: int, depth: int) -> list[str]:
    if text_width_chars(title) <= max_chars or depth == 0:
        return [title]
    candidates: set[int] = set()
    for word in _BREAK_AFTER:
        candidates.update(m.end() for m in re.finditer(re.escape(word), title))
    for word in _BREAK_BEFORE:
        candidates.update(m.start() for m in re.finditer(re.escape(word), title))
    candidates = {c for c in candidates if 2 <= c <= len(title) - 2}
    if not candidates:  # no boundary at all: cut in the middle, first line the shorter
        candidates = {len(title) // 2}

    def badness(cut: int) -> tuple[bool, float, bool]:
        first, second = text_width_chars(title[:cut]), text_width_chars(title[cut:])
        return max(first, second) > max_chars, abs(first - second), first > second

    cut = min(candidates, key=badness)
    return _split(title[:cut], max_chars, depth - 1) + _split(title[cut:], max_chars, depth - 1)
