"""Apply a LayoutProfile to a python-docx Document: page setup, styles, language, page numbers.

The exporter writes text with style names only; everything about the look is here, set on
styles (not run by run) so a user can restyle the document in Word. Each function works
around one of the python-docx traps listed in /work/shared/GBT9704.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.styles.style import BaseStyle

from drafting.word.layout import LayoutProfile

# Style names the exporter uses. Built-in names so Word's navigation pane, PDF bookmarks and
# an organisation's reference .docx all line up; our own names for the rest.
NORMAL = "Normal"
TITLE = "Title"
HEADINGS = ("Heading 1", "Heading 2", "Heading 3", "Heading 4")
ADDRESSEE = "公文主送"  # addressee line and greeting: flush left
SPEAKER = "讲话人及日期"  # speaker and date lines under a speech's title
SIGNATURE = "公文落款"  # organisation and date at the end
TABLE_TEXT = "表格文字"  # table cells: no fixed pitch, or rows blow up
FOOTER = "Footer"
COMMENT_TEXT = "annotation text"  # Word's name for the style python-docx puts on comment text
# Style ids python-docx and Word expect for styles whose id is not the name without spaces.
_STYLE_IDS = {COMMENT_TEXT: "CommentText"}

COMMENT_FONT = "宋体"
EAST_ASIAN_LANGUAGE = "zh-CN"
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

Align = Literal["left", "center", "right", "both"]


@dataclass(frozen=True)
class StyleSpec:
    """The properties the profile sets on one paragraph style."""

    name: str
    east_asia: str
    latin: str
    size_pt: float
    align: Align = "both"
    first_line_chars: int = 0
    line_exact_pt: float | None = None  # None: single spacing
    char_spacing_pt: float = 0.0
    bold: bool = False
    outline_level: int | None = None  # 0-based; headings only
    keep_next: bool = False


def profile_styles(profile: LayoutProfile) -> list[StyleSpec]:
    """The paragraph styles of the GB/T layout, Normal first."""
    p = profile
    body = StyleSpec(
        NORMAL,
        p.body_font,
        p.latin_font,
        p.body_size_pt,
        first_line_chars=p.first_line_indent_chars,
        line_exact_pt=p.line_pitch_pt,
        char_spacing_pt=p.char_spacing_pt,
    )
    flush = replace(body, first_line_chars=0)
    specs = [
        body,
        # The title keeps the grid pitch (22 pt fits in 28.95 pt) so page 1 stays on the grid.
        StyleSpec(
            TITLE, p.title_font, p.latin_font, p.title_size_pt, "center", line_exact_pt=p.line_pitch_pt
        ),
        replace(flush, name=ADDRESSEE, align="left"),
        replace(flush, name=SPEAKER, east_asia=p.speaker_font, align="center"),
        replace(flush, name=SIGNATURE, align="right"),
        StyleSpec(TABLE_TEXT, p.table_font, p.latin_font, p.table_size_pt, "left"),
        StyleSpec(FOOTER, p.page_number_font, p.page_number_font, p.page_number_size_pt, "left"),
        StyleSpec(COMMENT_TEXT, COMMENT_FONT, COMMENT_FONT, 10.5, "left"),
    ]
    for level, name in enumerate(HEADINGS, start=1):
        specs.append(
            replace(
                body,
                name=name,
                east_asia=p.heading_font(level),
                bold=p.heading_bold,
                outline_level=level - 1,
                keep_next=p.heading_keep_with_next,
            )
        )
    return specs


# ---------------------------------------------------------------- document level


def apply_profile(doc: Document, profile: LayoutProfile) -> None:
    """Set page, defaults, language and every style of the profile on a fresh document."""
    set_page(doc, profile)
    set_document_defaults(doc, profile)
    set_east_asian_language(doc)
    for spec in profile_styles(profile):
        apply_style(get_or_add_style(doc, spec.name), spec)
    strip_theme_fonts(doc)
    set_page_numbers(doc, profile)


def set_page(doc: Document, profile: LayoutProfile) -> None:
    """A4 and the standard's margins (python-docx starts from US Letter)."""
    for section in doc.sections:
        section.page_width = Mm(profile.page_width_mm)
        section.page_height = Mm(profile.page_height_mm)
        section.top_margin = Mm(profile.margin_top_mm)
        section.bottom_margin = Mm(profile.margin_bottom_mm)
        section.left_margin = Mm(profile.margin_left_mm)
        section.right_margin = Mm(profile.margin_right_mm)
        # The page number's top sits page_number_gap_mm below the type area; its paragraph is
        # exactly one number high, so the footer's bottom edge is that much further down.
        number_mm = profile.page_number_size_pt * 25.4 / 72
        section.footer_distance = Mm(
            max(profile.margin_bottom_mm - profile.page_number_gap_mm - number_mm, 0)
        )


def set_document_defaults(doc: Document, profile: LayoutProfile) -> None:
    """Explicit fonts instead of theme fonts, body size, zero paragraph spacing."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        doc.styles.element.insert(0, defaults)
    for child in list(defaults):
        defaults.remove(child)
    rpr_default = _sub(defaults, "w:rPrDefault")
    rpr_default.append(_run_properties(profile.body_font, profile.latin_font, profile.body_size_pt))
    ppr_default = _sub(defaults, "w:pPrDefault")
    ppr = _sub(ppr_default, "w:pPr")
    _sub(ppr, "w:spacing", before="0", after="0", line="240", lineRule="auto")


def set_east_asian_language(doc: Document) -> None:
    """zh-CN as East Asian language for the theme fonts (the template says ja-JP).

    With ja-JP, Word drew Japanese glyph forms even in a Chinese font.
    """
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)
    for rpr in doc.styles.element.iter(qn("w:rPr")):
        for el in rpr.findall(qn("w:lang")):
            el.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)


# ---------------------------------------------------------------- styles


def get_or_add_style(doc: Document, name: str) -> BaseStyle:
    """The paragraph style called `name`, added (based on Normal) when the document lacks it."""
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if name in _STYLE_IDS:
            style.style_id = _STYLE_IDS[name]
        if name != NORMAL:
            style.base_style = doc.styles[NORMAL]
        return style


def apply_style(style: BaseStyle, spec: StyleSpec) -> None:
    """Replace a style's paragraph and run properties with the spec's.

    Built-in styles carry theme fonts, colours, borders and spacing; rebuilding both property
    sets from scratch drops all of them at once. Every property is written explicitly (bold
    off, spacing zero) because LibreOffice fills gaps in its own Heading styles with bold sans.
    """
    el = style.element
    for tag in ("w:pPr", "w:rPr"):
        for old in el.findall(qn(tag)):
            el.remove(old)
    el.append(_paragraph_properties(spec))
    el.append(
        _run_properties(
            spec.east_asia, spec.latin, spec.size_pt, bold=spec.bold, char_spacing_pt=spec.char_spacing_pt
        )
    )


def ensure_structural_style(doc: Document, name: str, *, align: Align, first_line_chars: int = 0) -> None:
    """In a reference document, add a missing style with layout only; its Normal decides the look."""
    try:
        doc.styles[name]
        return
    except KeyError:
        style = get_or_add_style(doc, name)
    ppr = _style_ppr(style)
    _insert_in_order(ppr, _indent_element(first_line_chars, 0))
    _insert_in_order(ppr, _element("w:jc", val=align))


def ensure_heading_outline(doc: Document) -> None:
    """Give each Heading 1-4 of a reference document an outline level if it has none."""
    for level, name in enumerate(HEADINGS):
        ppr = _style_ppr(get_or_add_style(doc, name))
        if ppr.find(qn("w:outlineLvl")) is None:
            _insert_in_order(ppr, _element("w:outlineLvl", val=str(level)))


def _paragraph_properties(spec: StyleSpec):
    ppr = OxmlElement("w:pPr")
    if spec.keep_next:
        _sub(ppr, "w:keepNext")
    # The grid wants full pages; widow control would leave holes at page ends.
    _sub(ppr, "w:widowControl", val="0")
    if spec.line_exact_pt is not None:
        _sub(
            ppr,
            "w:spacing",
            before="0",
            after="0",
            line=str(round(spec.line_exact_pt * 20)),
            lineRule="exact",
        )
    else:
        _sub(ppr, "w:spacing", before="0", after="0", line="240", lineRule="auto")
    ppr.append(_indent_element(spec.first_line_chars, spec.size_pt))
    _sub(ppr, "w:jc", val=spec.align)
    if spec.outline_level is not None:
        _sub(ppr, "w:outlineLvl", val=str(spec.outline_level))
    return ppr


def _indent_element(first_line_chars: int, char_pt: float):
    # LibreOffice ignores firstLineChars and Word prefers it: write both, and write zeros
    # explicitly so a flush-left style does not inherit Normal's two characters.
    return _element(
        "w:ind",
        left="0",
        leftChars="0",
        right="0",
        rightChars="0",
        firstLine=str(round(first_line_chars * char_pt * 20)),
        firstLineChars=str(first_line_chars * 100),
    )


def _run_properties(
    east_asia: str, latin: str, size_pt: float, *, bold: bool = False, char_spacing_pt: float = 0.0
):
    """A w:rPr with explicit fonts for every script slot, size, bold and language, in schema order."""
    rpr = OxmlElement("w:rPr")
    _sub(rpr, "w:rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin)
    off = {} if bold else {"val": "0"}
    _sub(rpr, "w:b", **off)
    _sub(rpr, "w:bCs", **off)
    _sub(rpr, "w:i", val="0")
    _sub(rpr, "w:iCs", val="0")
    _sub(rpr, "w:color", val="000000")
    _sub(rpr, "w:spacing", val=str(round(char_spacing_pt * 20)))
    half_points = str(round(size_pt * 2))
    _sub(rpr, "w:sz", val=half_points)
    _sub(rpr, "w:szCs", val=half_points)
    _sub(rpr, "w:lang", val="en-US", eastAsia=EAST_ASIAN_LANGUAGE, bidi="ar-SA")
    return rpr


def strip_theme_fonts(doc: Document) -> None:
    """Remove theme-font attributes wherever they remain; they win over explicit names."""
    for rfonts in doc.styles.element.iter(qn("w:rFonts")):
        for attr in _THEME_FONT_ATTRS:
            rfonts.attrib.pop(qn(attr), None)


# ---------------------------------------------------------------- page numbers


def set_page_numbers(doc: Document, profile: LayoutProfile) -> None:
    """ "— N —" footers: odd pages right, even pages left, one character in from the edge.

    Needs the document setting for different odd and even pages; "center" puts one centred
    number on every page instead.
    """
    # Both units, as for the body indent; the character unit is the number's own size here.
    inset = {
        "twips": str(round(profile.page_number_inset_chars * profile.page_number_size_pt * 20)),
        "chars": str(round(profile.page_number_inset_chars * 100)),
    }
    section = doc.sections[0]
    if profile.page_number_position == "center":
        doc.settings.odd_and_even_pages_header_footer = False
        _page_number_paragraph(section.footer, profile, "center", {})
        return
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_paragraph(
        section.footer, profile, "right", {"right": inset["twips"], "rightChars": inset["chars"]}
    )
    _page_number_paragraph(
        section.even_page_footer, profile, "left", {"left": inset["twips"], "leftChars": inset["chars"]}
    )


def _page_number_paragraph(footer, profile: LayoutProfile, align: Align, indent: dict[str, str]) -> None:
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.style = FOOTER
    ppr = paragraph._p.get_or_add_pPr()
    # Exactly one number high, so the footer distance places it (see set_page).
    line = str(round(profile.page_number_size_pt * 20))
    _insert_in_order(ppr, _element("w:spacing", line=line, lineRule="exact"))
    if indent:
        _insert_in_order(ppr, _element("w:ind", **indent))
    _insert_in_order(ppr, _element("w:jc", val=align))
    paragraph.add_run("— ")
    _add_page_field(paragraph)
    paragraph.add_run(" —")


def _add_page_field(paragraph) -> None:
    """A PAGE field from fldChar runs: python-docx has no field API."""
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="begin"))
    instr = _element("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="separate"))
    paragraph.add_run("1")  # shown until the field is updated
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="end"))


# ---------------------------------------------------------------- xml helpers


def _element(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _sub(parent, tag: str, **attrs: str):
    el = _element(tag, **attrs)
    parent.append(el)
    return el


# Schema order of w:pPr children (CT_PPr); Word rejects a file whose children are out of order.
_PPR_ORDER = tuple(
    qn(f"w:{t}")
    for t in (
        *("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr"),
        *("suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap"),
        *("overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd"),
        *("snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc"),
        *("textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr"),
        *("sectPr", "pPrChange"),
    )
)


def _insert_in_order(ppr, el) -> None:
    """Put a pPr child where the schema wants it, replacing one of the same tag."""
    old = ppr.find(el.tag)
    if old is not None:
        ppr.replace(old, el)
        return
    position = _PPR_ORDER.index(el.tag)
    for i, child in enumerate(ppr):
        if child.tag in _PPR_ORDER and _PPR_ORDER.index(child.tag) > position:
            ppr.insert(i, el)
            return
    ppr.append(el)


def _style_ppr(style: BaseStyle):
    """A style's w:pPr, created before its w:rPr when missing."""
    ppr = style.element.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        rpr = style.element.find(qn("w:rPr"))
        if rpr is not None:
            rpr.addprevious(ppr)
        else:
            style.element.append(ppr)
    return ppr
