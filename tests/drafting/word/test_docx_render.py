"""Render a 20-page export through LibreOffice and measure the result on the PDF.

What only a real layout engine can show: 22 lines a page, 28 characters a line, the typefaces
the styles name (through the alias file in fonts/), and page numbers on alternating sides.
The PDF and page images are kept in artifacts/render/ for a person to look at.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from drafting.model import Draft, Paragraph, Section
from drafting.word.export import DocxExporter
from drafting.word.layout import LayoutProfile
from drafting.word.preview import PREVIEW_FONTCONFIG, render_pages

pytestmark = pytest.mark.render

REPO = Path(__file__).resolve().parents[3]
FONTS_CONF = PREVIEW_FONTCONFIG  # the same aliases the UI preview uses
ARTIFACTS = REPO / "artifacts" / "render"
MM = 72 / 25.4

_missing = [tool for tool in ("soffice", "pdftotext", "pdffonts", "pdftoppm") if shutil.which(tool) is None]
if _missing:
    pytest.skip(
        f"LibreOffice/poppler not installed ({', '.join(_missing)} missing): "
        "apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai fonts-liberation2",
        allow_module_level=True,
    )

# ---------------------------------------------------------------- a long report

POOL = (
    "党建工作组织队伍干部人才基层治理服务群众发展改革创新落实责任制度建设推进全面加强深化完善提升质量"
    "效能作风纪律监督考核评价培训教育学习实践调研谋划部署协调保障安全稳定经济社会民生项目资金产业乡村"
    "振兴城市管理生态环境文化卫生健康就业"
)
NUMERALS = "一二三四五六七八九十"
LINE = 28  # characters per full line
FIRST_LINE = LINE - 2  # the two-character indent


def body_paragraph(rng: random.Random, length: int) -> str:
    """CJK text whose commas never fall at the start of a line.

    Line-breaking rules forbid a comma at a line start and would pull a character down, and
    the test could not tell that from a layout fault; offsets 26, 54, 82, ... start lines.
    """
    chars = [rng.choice(POOL) for _ in range(length - 1)]
    for i in range(8, length - 3, rng.randint(9, 15)):
        if (i - FIRST_LINE) % LINE:
            chars[i] = "，"
    if (length - 1 - FIRST_LINE) % LINE == 0:  # the final full stop would start a line
        chars.append(rng.choice(POOL))
    return "".join(chars) + "。"


def words(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(POOL) for _ in range(n))


def long_report() -> Draft:
    rng = random.Random(7)
    sections = [Section("opening", "opening", "", 0, [Paragraph(body_paragraph(rng, 150))])]
    for a in range(6):
        paragraphs: list[Paragraph] = []
        for b in range(3):
            paragraphs.append(Paragraph(f"（{NUMERALS[b]}）{words(rng, 10)}", kind="heading", level=2))
            paragraphs += [Paragraph(body_paragraph(rng, rng.randint(120, 260))) for _ in range(3)]
        paragraphs.insert(2, Paragraph(f"1.{words(rng, 8)}", kind="heading", level=3))
        sections.append(Section(f"work:{a}", "work", f"{NUMERALS[a]}、{words(rng, 10)}", 1, paragraphs))
    return Draft(
        title="青川区委组织部2025年上半年工作总结和下半年工作计划",
        kind="half-year",
        org="青川区委组织部",
        period="2025年上半年",
        addressee="区委",
        signature="中共青川区委组织部",
        date="2025年7月5日",
        sections=sections,
    )


# ---------------------------------------------------------------- reading the PDF


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    x1: float
    y0: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    body: list[Line]  # inside the type area, top to bottom
    footer: list[Line]


def read_pages(pdf: Path) -> list[Page]:
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    root = ElementTree.fromstring(html[html.index("<doc>") : html.index("</doc>") + len("</doc>")])
    profile = LayoutProfile()
    pages = []
    for page in root.iter("page"):
        width, height = float(page.get("width")), float(page.get("height"))
        type_area_bottom = height - profile.margin_bottom_mm * MM
        lines = sorted(
            (
                Line(
                    "".join(w.text or "" for w in line.iter("word")),
                    float(line.get("xMin")),
                    float(line.get("xMax")),
                    float(line.get("yMin")),
                )
                for line in page.iter("line")
            ),
            key=lambda line: line.y0,
        )
        pages.append(
            Page(
                width,
                height,
                [line for line in lines if line.y0 < type_area_bottom],
                [line for line in lines if line.y0 >= type_area_bottom],
            )
        )
    return pages


def fonts_by_text(pdf: Path, page_index: int) -> dict[str, set[str]]:
    """Which embedded font drew each piece of text on a page (pypdf's text visitor)."""
    found: dict[str, set[str]] = {}

    def visit(text, _cm, _tm, font, _size):
        if text.strip() and font:
            found.setdefault(str(font.get("/BaseFont")), set()).add(text.strip())

    PdfReader(str(pdf)).pages[page_index].extract_text(visitor_text=visit)
    return found


def is_heading(line: Line) -> bool:
    return bool(re.match(r"[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.", line.text))


# ---------------------------------------------------------------- the render


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, list[Path]]:
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out_dir = ARTIFACTS
    except OSError:
        out_dir = tmp_path_factory.mktemp("render")
    docx_path = DocxExporter().export(long_report(), out_dir / "report.docx")
    images = render_pages(docx_path, out_dir, dpi=60, max_pages=40, fontconfig=FONTS_CONF)
    return out_dir / "report.pdf", images


@pytest.fixture(scope="module")
def pages(rendered) -> list[Page]:
    return read_pages(rendered[0])


def test_the_report_runs_to_about_twenty_pages_with_an_image_each(rendered, pages):
    assert 15 <= len(pages) <= 25
    assert len(rendered[1]) == len(pages)


def test_full_pages_hold_22_lines(pages):
    """Every page but the last is full: 22 lines, or 21 when a heading moved to the next page
    to stay with its text (keep-with-next). Page 1 spends one line on the blank under the title."""
    assert len(pages[0].body) + 1 == 22
    short_pages = []
    for index, page in enumerate(pages[1:-1], start=1):
        if len(page.body) == 22:
            continue
        assert len(page.body) == 21, f"page {index + 1} has {len(page.body)} lines"
        assert is_heading(pages[index + 1].body[0]), f"page {index + 1} is short without a heading after it"
        short_pages.append(index + 1)
    assert len(short_pages) <= len(pages) // 4


def test_full_body_lines_hold_28_characters(pages):
    profile = LayoutProfile()
    left = profile.margin_left_mm * MM
    right = pages[0].width - profile.margin_right_mm * MM
    indent = profile.first_line_indent_pt
    full, first = [], []
    for page in pages:
        for line in page.body:
            if line.x1 < right - profile.body_size_pt:
                continue  # a paragraph's last line or a heading
            if abs(line.x0 - left) < 2:
                full.append(line)
            elif abs(line.x0 - left - indent) < 2:
                first.append(line)
    assert len(full) > 250
    assert {len(line.text) for line in full} == {LINE}
    assert {len(line.text) for line in first} == {FIRST_LINE}
    assert max(len(line.text) for page in pages for line in page.body) == LINE


def test_the_mapped_fonts_are_embedded(rendered):
    listing = subprocess.run(
        ["pdffonts", str(rendered[0])], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}
    # Noto CJK collections name every face after the Japanese one; the SC face is what
    # fontconfig chose, the shared glyph programme carries the "jp" name.
    assert any(n.startswith("NotoSerifCJK") and "Regular" in n for n in names), names  # 仿宋, 宋体
    assert any(n.startswith("NotoSerifCJK") and "Bold" in n for n in names), names  # 小标宋
    assert any(n.startswith("NotoSansCJK") for n in names), names  # 黑体
    assert any("UKai" in n for n in names), names  # 楷体
    cjk = {n for n in names if "CJK" in n or "UKai" in n}
    assert len(cjk) == 4, f"an unmapped CJK fallback crept in: {cjk}"


def test_each_style_is_drawn_in_its_mapped_font(rendered):
    fonts = fonts_by_text(rendered[0], 0)

    def font_of(snippet: str) -> str:
        matches = {name for name, texts in fonts.items() if any(snippet in t for t in texts)}
        assert len(matches) == 1, (snippet, matches)
        return matches.pop()

    assert re.search(r"NotoSerifCJK.*Bold", font_of("工作总结和下半年工作计划"))  # title: 小标宋
    assert re.search(r"NotoSerifCJK.*Regular", font_of("区委："))  # body: 仿宋
    first_heading = next(t for texts in fonts.values() for t in texts if re.match(r"一、", t))
    assert "NotoSansCJK" in font_of(first_heading)  # Heading 1: 黑体
    second_heading = next(t for texts in fonts.values() for t in texts if t.startswith("（一）"))
    assert "UKai" in font_of(second_heading)  # Heading 2: 楷体


def test_page_numbers_alternate_sides_one_character_in(pages):
    profile = LayoutProfile()
    inset = profile.page_number_inset_chars * profile.page_number_size_pt
    for number, page in enumerate(pages, start=1):
        assert len(page.footer) == 1, f"page {number}: {page.footer}"
        line = page.footer[0]
        assert re.fullmatch(rf"—\s*{number}\s*—", line.text), line.text
        middle = (line.x0 + line.x1) / 2
        if number % 2:
            assert middle > page.width / 2
            assert line.x1 == pytest.approx(page.width - profile.margin_right_mm * MM - inset, abs=2)
        else:
            assert middle < page.width / 2
            assert line.x0 == pytest.approx(profile.margin_left_mm * MM + inset, abs=2)
        # 7 mm below the type area; the box's top includes the font's ascent above the digits.
        gap = line.y0 - (page.height - profile.margin_bottom_mm * MM)
        assert 3 * MM < gap < profile.page_number_gap_mm * MM + 2
