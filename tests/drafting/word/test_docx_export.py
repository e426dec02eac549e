"""The Word exporter, read back through python-docx and the raw XML (no LibreOffice here)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from drafting.model import Draft, Flag, Paragraph, PassageRef, Section
from drafting.word.export import (
    DocxExporter,
    Exporter,
    ExportError,
    FakeExporter,
    clean_text,
    normalise_date,
    write_atomically,
)
from drafting.word.layout import LayoutProfile

THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def sample_draft(**overrides) -> Draft:
    sections = [
        Section(
            key="opening",
            part="opening",
            heading="",
            level=0,
            paragraphs=[
                Paragraph(
                    "今年以来，我部坚持以习近平新时代中国特色社会主义思想为指导，完成发展党员【待补充：人数】名。",
                    fact_ids=["work.0.1", "work.0.2"],
                    passages=[PassageRef("d1:4", "2024-青川区委组织部-年度工作总结.txt", 120, 180)],
                )
            ],
        ),
        Section(
            key="work:0",
            part="work",
            heading="一、上半年工作开展情况",
            level=1,
            paragraphs=[
                Paragraph("（一）强化政治引领", kind="heading", level=2),
                Paragraph("1.抓好理论学习", kind="heading", level=3),
                Paragraph(
                    "组织集中学习12次，覆盖党员干部320人次，培训满意度达到98%。", fact_ids=["work.0.3"]
                ),
            ],
        ),
    ]
    values = dict(
        title="青川区委组织部2025年上半年工作总结和下半年工作计划",
        kind="half-year",
        org="青川区委组织部",
        period="2025年上半年",
        sections=sections,
        addressee="区委",
        signature="中共青川区委组织部",
        date="2025年07月05日",
    )
    values.update(overrides)
    return Draft(**values)


def export(
    tmp_path: Path, draft: Draft | None = None, *, name: str = "out.docx", **kwargs
) -> docx.document.Document:
    comments = kwargs.pop("comments", False)
    out = DocxExporter(**kwargs).export(draft or sample_draft(), tmp_path / name, comments=comments)
    return docx.Document(str(out))


def style_el(doc, name: str):
    return doc.styles[name].element


def rfonts(style_element):
    return style_element.find(qn("w:rPr")).find(qn("w:rFonts"))


def body_texts(doc) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs]


# ---------------------------------------------------------------- page and styles


def test_page_is_a4_with_the_standards_margins(tmp_path):
    section = export(tmp_path).sections[0]
    mm = pytest.approx  # stored in twips, so within a hundredth of a millimetre
    assert (section.page_width.mm, section.page_height.mm) == (mm(210, abs=0.01), mm(297, abs=0.01))
    assert section.top_margin.mm == mm(37, abs=0.01)
    assert section.bottom_margin.mm == mm(35, abs=0.01)
    assert section.left_margin.mm == mm(28, abs=0.01)
    assert section.right_margin.mm == mm(26, abs=0.01)


@pytest.mark.parametrize(
    ("style", "east_asia", "size"),
    [
        ("Normal", "仿宋_GB2312", 16),
        ("Title", "方正小标宋简体", 22),
        ("Heading 1", "黑体", 16),
        ("Heading 2", "楷体_GB2312", 16),
        ("Heading 3", "仿宋_GB2312", 16),
        ("Heading 4", "仿宋_GB2312", 16),
        ("讲话人及日期", "楷体_GB2312", 16),
        ("Footer", "宋体", 14),
    ],
)
def test_styles_carry_east_asian_fonts_and_sizes(tmp_path, style, east_asia, size):
    doc = export(tmp_path)
    fonts = rfonts(style_el(doc, style))
    assert fonts.get(qn("w:eastAsia")) == east_asia
    assert fonts.get(qn("w:ascii"))  # the Latin slot is set too, not left to the theme
    assert doc.styles[style].font.size == Pt(size)
    assert doc.styles[style].font.bold is False  # the title and headings are not bold by default


def test_heading_bold_is_a_profile_setting(tmp_path):
    doc = export(tmp_path, profile=LayoutProfile(heading_bold=True))
    assert doc.styles["Heading 1"].font.bold is True
    assert doc.styles["Normal"].font.bold is False


def test_body_font_is_a_profile_setting(tmp_path):
    doc = export(tmp_path, profile=LayoutProfile(body_font="仿宋"))
    assert rfonts(style_el(doc, "Normal")).get(qn("w:eastAsia")) == "仿宋"


def test_no_theme_font_attributes_on_headings_or_defaults(tmp_path):
    doc = export(tmp_path)
    elements = [
        style_el(doc, name)
        for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4")
    ]
    elements.append(doc.styles.element.find(qn("w:docDefaults")))
    for element in elements:
        for fonts in element.iter(qn("w:rFonts")):
            assert not [a for a in THEME_ATTRS if fonts.get(qn(a)) is not None]


def test_east_asian_language_is_zh_cn_everywhere(tmp_path):
    doc = export(tmp_path)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    assert theme_lang.get(qn("w:eastAsia")) == "zh-CN"
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert (
        defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    )
    for name in ("Normal", "Title", "Heading 1"):
        assert style_el(doc, name).find(f"{qn('w:rPr')}/{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    assert "ja-JP" not in doc.styles.element.xml + doc.settings.element.xml


def test_line_pitch_is_an_exact_28_95_points(tmp_path):
    doc = export(tmp_path)
    normal = doc.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95)  # a Length (not a float) means an exact rule
    spacing = style_el(doc, "Normal").find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert spacing.get(qn("w:lineRule")) == "exact"
    assert spacing.get(qn("w:line")) == "579"


def test_paragraph_spacing_is_zero(tmp_path):
    doc = export(tmp_path)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fmt = doc.styles[name].paragraph_format
        assert fmt.space_before == 0 and fmt.space_after == 0
    default = doc.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}"
    )
    assert default.get(qn("w:after")) == "0"


def test_body_character_spacing_is_tightened_by_a_quarter_point(tmp_path):
    doc = export(tmp_path)
    spacing = style_el(doc, "Normal").find(f"{qn('w:rPr')}/{qn('w:spacing')}")
    assert spacing.get(qn("w:val")) == "-5"  # twentieths of a point


def test_first_line_indent_carries_both_the_character_and_the_twip_value(tmp_path):
    doc = export(tmp_path)
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        ind = style_el(doc, name).find(f"{qn('w:pPr')}/{qn('w:ind')}")
        assert ind.get(qn("w:firstLineChars")) == "200"
        assert ind.get(qn("w:firstLine")) == "640"
    for name in ("Title", "公文主送"):  # flush-left styles override Normal's indent explicitly
        ind = style_el(doc, name).find(f"{qn('w:pPr')}/{qn('w:ind')}")
        assert ind.get(qn("w:firstLineChars")) == "0"
        assert ind.get(qn("w:firstLine")) == "0"


def test_table_text_has_its_own_style_without_the_fixed_pitch(tmp_path):
    doc = export(tmp_path)
    spacing = style_el(doc, "表格文字").find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert spacing.get(qn("w:lineRule")) == "auto"


# ---------------------------------------------------------------- page numbers


def _footer_paragraph(footer):
    return footer._element.find(qn("w:p"))


def test_odd_and_even_footers_carry_page_fields_on_opposite_sides(tmp_path):
    doc = export(tmp_path)
    assert doc.settings.odd_and_even_pages_header_footer is True
    section = doc.sections[0]
    odd, even = section.footer, section.even_page_footer
    for footer, side in ((odd, "right"), (even, "left")):
        p = _footer_paragraph(footer)
        assert [i.text for i in p.iter(qn("w:instrText"))] == [" PAGE "]
        kinds = [f.get(qn("w:fldCharType")) for f in p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
        assert p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == side
        ind = p.find(f"{qn('w:pPr')}/{qn('w:ind')}")
        assert ind.get(qn(f"w:{side}")) == "280"  # one 14 pt character in from the edge


def test_centred_page_numbers_for_speeches_are_a_profile_setting(tmp_path):
    doc = export(tmp_path, profile=LayoutProfile(page_number_position="center"))
    assert doc.settings.odd_and_even_pages_header_footer is False
    p = _footer_paragraph(doc.sections[0].footer)
    assert p.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "center"


# ---------------------------------------------------------------- content


def test_headings_use_word_heading_styles_and_the_title_has_no_outline_level(tmp_path):
    doc = export(tmp_path)
    styles_used = dict((text, style) for style, text in body_texts(doc))
    assert styles_used["一、上半年工作开展情况"] == "Heading 1"
    assert styles_used["（一）强化政治引领"] == "Heading 2"
    assert styles_used["1.抓好理论学习"] == "Heading 3"
    for level, name in enumerate(("Heading 1", "Heading 2", "Heading 3", "Heading 4")):
        outline = style_el(doc, name).find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        assert outline.get(qn("w:val")) == str(level)
    assert style_el(doc, "Title").find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}") is None


def test_document_order_title_addressee_body_signature(tmp_path):
    doc = export(tmp_path)
    texts = [(style, text) for style, text in body_texts(doc) if text]
    assert texts[0] == ("Title", "青川区委组织部2025年上半年\n工作总结和下半年工作计划")
    assert texts[1] == ("公文主送", "区委：")
    assert texts[2][0] == "Normal"
    assert texts[-2:] == [("公文落款", "中共青川区委组织部"), ("公文落款", "2025年7月5日")]
    blank_before_signature = doc.paragraphs[-3]
    assert blank_before_signature.text == ""


def test_long_title_is_broken_with_a_line_break_in_one_paragraph(tmp_path):
    doc = export(tmp_path)
    title = doc.paragraphs[0]
    assert len(title._p.findall(f".//{qn('w:br')}")) == 1
    short = export(tmp_path, sample_draft(title="关于安全生产工作的情况汇报"), name="short.docx")
    assert short.paragraphs[0]._p.findall(f".//{qn('w:br')}") == []


def test_addressee_and_greeting_end_with_one_full_width_colon(tmp_path):
    doc = export(tmp_path, sample_draft(addressee="市卫生健康委员会:", greeting="同志们"))
    texts = [t for s, t in body_texts(doc) if s == "公文主送"]
    assert texts == ["市卫生健康委员会：", "同志们："]


def test_speech_has_speaker_and_bracketed_date_under_the_title_and_no_signature(tmp_path):
    draft = sample_draft(
        title="在全区组织工作会议上的讲话",
        kind="speech",
        addressee=None,
        greeting="同志们：",
        speaker="区委常委、组织部部长 王明",
        date="二〇二五年三月六日",
        signature=None,
    )
    texts = [(s, t) for s, t in body_texts(export(tmp_path, draft)) if t]
    assert texts[:4] == [
        ("Title", "在全区组织工作会议上的讲话"),
        ("讲话人及日期", "区委常委、组织部部长 王明"),
        ("讲话人及日期", "（2025年3月6日）"),
        ("公文主送", "同志们："),
    ]
    assert "公文落款" not in {s for s, _ in texts}


def test_signature_is_two_characters_in_and_the_date_two_characters_further_right(tmp_path):
    doc = export(tmp_path)
    org, date = doc.paragraphs[-2], doc.paragraphs[-1]
    org_ind = org._p.pPr.find(qn("w:ind"))
    date_ind = date._p.pPr.find(qn("w:ind"))
    assert org_ind.get(qn("w:rightChars")) == "200"
    # 中共青川区委组织部 is 9 wide; 2025年7月5日 is 6 wide (half-width digits count half). The date
    # starts two characters right of the name's start: right indent 2 + 9 - 2 - 6 = 3 characters.
    assert date_ind.get(qn("w:rightChars")) == "300"
    assert date_ind.get(qn("w:right")) == str(3 * 320)


def test_a_date_longer_than_the_name_pushes_the_name_left(tmp_path):
    doc = export(tmp_path, sample_draft(signature="区委", date="2025年12月31日"))
    org, date = doc.paragraphs[-2], doc.paragraphs[-1]
    assert date._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "200"
    # date 7 wide, name 2 wide: the name's right indent becomes 7 + 4 - 2 = 9 characters.
    assert org._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "900"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2025年07月05日", "2025年7月5日"),
        ("2025-7-5", "2025年7月5日"),
        ("2025.12.31", "2025年12月31日"),
        ("二〇二五年十二月二十一日", "2025年12月21日"),
        ("二〇二六年七月五日", "2026年7月5日"),
        ("七月上旬", "七月上旬"),
    ],
)
def test_dates_use_arabic_numerals_without_leading_zeros(given, expected):
    assert normalise_date(given) == expected


def test_placeholders_are_highlighted_yellow(tmp_path):
    doc = export(tmp_path)
    body = next(p for p in doc.paragraphs if "待补充" in p.text)
    marked = [r.text for r in body.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert marked == ["【待补充：人数】"]
    assert all("待补充" not in r.text for r in body.runs if r.font.highlight_color is None)


def test_grounding_flags_are_highlighted_only_when_asked(tmp_path):
    flags = [
        Flag("unsupported_number", "98%", section="work:0", paragraph=2, start=27, end=30),
        Flag("unsupported_number", "320人次", section="work:0", paragraph=2, start=0, end=3),  # stale offsets
        Flag("verbatim_copy", "组织集中学习", section="work:0", paragraph=2),  # not a highlight kind
    ]
    plain = export(tmp_path, sample_draft(flags=flags), name="plain.docx")
    body = next(p for p in plain.paragraphs if "满意度" in p.text)
    assert all(r.font.highlight_color is None for r in body.runs)

    doc = export(tmp_path, sample_draft(flags=flags), name="flags.docx", highlight_flags=True)
    body = next(p for p in doc.paragraphs if "满意度" in p.text)
    marked = [r.text for r in body.runs if r.font.highlight_color == WD_COLOR_INDEX.TURQUOISE]
    assert marked == ["320人次", "98%"]
    assert body.text == "组织集中学习12次，覆盖党员干部320人次，培训满意度达到98%。"


def test_sources_become_comments_only_when_asked(tmp_path):
    assert len(export(tmp_path, name="plain.docx").comments) == 0
    doc = export(tmp_path, comments=True)
    comments = list(doc.comments)
    assert len(comments) == 2  # two paragraphs carry sources; headings carry none
    assert {c.author for c in comments} == {"起草助手"}
    first = comments[0].text
    assert "work.0.1、work.0.2" in first
    assert "2024-青川区委组织部-年度工作总结.txt" in first and "d1:4" in first
    # The comment is anchored on the paragraph it documents.
    body = next(p for p in doc.paragraphs if "待补充" in p.text)
    assert body._p.find(qn("w:commentRangeStart")) is not None
    assert body._p.find(qn("w:commentRangeEnd")) is not None


def test_control_characters_are_stripped_and_the_file_reopens(tmp_path):
    dirty = "今年以来\x00\x07\x1b\ufffe，工作\ud800扎实\uffff推进。\x0b"
    draft = sample_draft(
        title="工作\x0c总结",
        addressee="区委\x01",
        sections=[
            Section(
                "opening",
                "opening",
                "一、总体\x1f情况",
                1,
                [
                    Paragraph(
                        dirty, fact_ids=["work.0.1\x02"], passages=[PassageRef("d\x03:1", "a\x04.txt", 0, 5)]
                    )
                ],
            )
        ],
    )
    doc = export(tmp_path, draft, comments=True)
    texts = [t for _, t in body_texts(doc)]
    assert "今年以来，工作扎实推进。" in texts
    assert "工作总结" in texts and "一、总体情况" in texts and "区委：" in texts
    assert "work.0.1" in next(iter(doc.comments)).text


def test_clean_text_keeps_tabs_and_normalises_line_breaks():
    assert clean_text("a\tb\r\nc\rd\x00") == "a\tb\nc\nd"
    assert clean_text(None) == ""


def test_a_paragraph_with_line_breaks_becomes_separate_paragraphs(tmp_path):
    draft = sample_draft(sections=[Section("opening", "opening", "", 0, [Paragraph("第一段。\n第二段。")])])
    texts = [t for s, t in body_texts(export(tmp_path, draft)) if s == "Normal" and t]
    assert texts == ["第一段。", "第二段。"]


def test_an_empty_draft_is_refused_with_a_clear_message(tmp_path):
    empty = Draft(title="  ", kind="half-year", org="x", period="2025年")
    with pytest.raises(ExportError, match="草稿为空"):
        DocxExporter().export(empty, tmp_path / "empty.docx")
    assert not (tmp_path / "empty.docx").exists()


def test_the_docx_suffix_is_added_when_missing(tmp_path):
    out = DocxExporter().export(sample_draft(), tmp_path / "report")
    assert out == tmp_path / "report.docx" and out.is_file()


# ---------------------------------------------------------------- reference .docx


def make_reference(path: Path) -> Path:
    ref = docx.Document()
    ref.sections[0].left_margin = Mm(30)
    ref.sections[0].header.paragraphs[0].text = "本机关内部文稿"
    ref.styles["Normal"].font.name = "OrgBody"
    ref.styles["Normal"].font.size = Pt(15)
    ref.styles["Heading 1"].font.name = "OrgHeading"
    ref.add_paragraph("模板里的示例正文，导出时应删掉。")
    ref.add_table(rows=1, cols=2)
    ref.save(str(path))
    return path


def test_a_reference_docx_supplies_styles_header_and_page_setup(tmp_path):
    reference = make_reference(tmp_path / "org.docx")
    doc = export(tmp_path, reference_docx=reference)
    texts = [t for _, t in body_texts(doc)]
    assert "模板里的示例正文，导出时应删掉。" not in texts
    assert doc.tables == []
    assert "一、上半年工作开展情况" in texts
    # Its styles are used as they are, not overwritten by the profile.
    assert doc.styles["Normal"].font.name == "OrgBody"
    assert doc.styles["Normal"].font.size == Pt(15)
    assert doc.styles["Heading 1"].font.name == "OrgHeading"
    assert next(p for p in doc.paragraphs if p.text == "一、上半年工作开展情况").style.name == "Heading 1"
    # Its final section survives: margins and header.
    assert doc.sections[0].left_margin.mm == pytest.approx(30, abs=0.01)
    assert doc.sections[0].header.paragraphs[0].text == "本机关内部文稿"
    # Our own paragraph styles are added with layout only.
    assert doc.styles["公文主送"].font.name is None


def test_a_reference_docx_replaced_while_running_is_used_from_the_next_export(tmp_path):
    reference = make_reference(tmp_path / "org.docx")
    exporter = DocxExporter(reference_docx=reference)
    first = docx.Document(str(exporter.export(sample_draft(), tmp_path / "a.docx")))
    assert first.sections[0].header.paragraphs[0].text == "本机关内部文稿"

    replaced = docx.Document(str(reference))
    replaced.sections[0].header.paragraphs[0].text = "新版模板的页眉"
    replaced.save(str(reference))
    second = docx.Document(str(exporter.export(sample_draft(), tmp_path / "b.docx")))
    assert second.sections[0].header.paragraphs[0].text == "新版模板的页眉"

    reference.unlink()
    with pytest.raises(ExportError, match="找不到参考模板"):
        exporter.export(sample_draft(), tmp_path / "c.docx")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "找不到参考模板"), (b"not a zip file", "参考模板无法打开"), (b"", "参考模板无法打开")],
)
def test_a_bad_reference_docx_gives_a_clear_error(tmp_path, content, message):
    reference = tmp_path / "org.docx"
    if content is not None:
        reference.write_bytes(content)
    with pytest.raises(ExportError, match=message):
        DocxExporter(reference_docx=reference).export(sample_draft(), tmp_path / "out.docx")


def test_a_dotx_template_is_refused_with_advice(tmp_path):
    plain = tmp_path / "plain.docx"
    docx.Document().save(str(plain))
    template = tmp_path / "org.dotx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(template, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(item, data)
    with pytest.raises(ExportError, match="另存为 .docx"):
        DocxExporter(reference_docx=template).export(sample_draft(), tmp_path / "out.docx")


# ---------------------------------------------------------------- writing


def test_a_failed_export_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    out = tmp_path / "report.docx"
    exporter = DocxExporter()  # its template is prepared (and saved to memory) by the first export
    exporter.export(sample_draft(title="第一版"), out)
    before = out.read_bytes()

    def half_write(self, path):
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise RuntimeError("disk went away")

    monkeypatch.setattr(docx.document.Document, "save", half_write)
    with pytest.raises(RuntimeError):
        exporter.export(sample_draft(title="第二版"), out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]  # no temp file left


def test_an_unwritable_destination_is_an_export_error(tmp_path):
    folder = tmp_path / "report.docx"
    folder.mkdir()
    with pytest.raises(ExportError, match="文件夹"):
        DocxExporter().export(sample_draft(), folder)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="无法写入"):
        write_atomically(blocker / "sub" / "out.docx", lambda tmp: None)


# ---------------------------------------------------------------- contract of Exporter


@pytest.fixture(params=["docx", "fake"])
def exporter(request) -> Exporter:
    return DocxExporter() if request.param == "docx" else FakeExporter()


def test_exporter_contract_writes_and_overwrites(tmp_path, exporter):
    first = exporter.export(sample_draft(title="第一版"), tmp_path / "a" / "report.docx")
    assert first == tmp_path / "a" / "report.docx" and first.is_file()
    size = first.stat().st_size
    second = exporter.export(sample_draft(title="第二版标题更长一些"), first, comments=True)
    assert second == first and second.stat().st_size != size
    assert sorted(p.name for p in first.parent.iterdir()) == ["report.docx"]


def test_fake_exporter_records_calls(tmp_path):
    fake = FakeExporter()
    draft = sample_draft()
    fake.export(draft, tmp_path / "x.docx", comments=True)
    assert fake.calls == [(draft, tmp_path / "x.docx", True)]
    assert "一、上半年工作开展情况" in (tmp_path / "x.docx").read_text(encoding="utf-8")
