from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfWriter

from retrieval.documents import Line
from retrieval.errors import (
    ConversionError,
    CorruptDocumentError,
    DocumentError,
    EmptyDocumentError,
    FileAccessError,
    NoTextLayerError,
    UnsupportedFormatError,
)
from retrieval.ingest.limits import InputLimits
from retrieval.ingest.loaders import load_file, markdown_lines

LONG_PARAGRAPH = (
    "2024年，集团党委坚持以习近平新时代中国特色社会主义思想为指导，紧扣“强党建、稳生产、促改革、防风险”工作主线，"
    "推动党建工作与生产经营深度融合，各项工作取得新进展。全年完成发电量312.6亿千瓦时，供热面积达到4870万平方米，"
    "实现营业收入186.4亿元、利润总额9.72亿元，利润总额同比增长11.3%，集团党委连续三年在市属国有企业党建工作考核中获评“好”等次。"
)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert(source: Path, target_format: str, out_dir: Path) -> Path:
    soffice = _soffice()
    assert soffice is not None
    profile = (out_dir / "profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target_format]
        + ["--outdir", str(out_dir), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / f"{source.stem}.{target_format}"


def _report_docx(
    path: Path, *, paragraphs: int = 1, header: str | None = None, page_field: bool = False
) -> Path:
    document = docx.Document()
    document.add_paragraph("中共江城能源集团有限公司委员会2024年党建工作总结", style="Title")
    document.add_paragraph(LONG_PARAGRAPH)
    document.add_heading("一、2024年主要工作", level=1)
    document.add_heading("（一）坚持党建与生产经营深度融合", level=2)
    for n in range(paragraphs):
        document.add_paragraph(f"{n + 1}.第{n + 1}项工作。" + LONG_PARAGRAPH)
    table = document.add_table(rows=4, cols=3)
    for row, values in zip(
        table.rows, [("单位", "得分", "等次"), ("江城热力有限公司", "94.2", "好"), ("", "", "")], strict=False
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = table.rows[3].cells[0].merge(table.rows[3].cells[1])
    merged.text = "合计"
    table.rows[3].cells[2].text = "2家"
    document.add_paragraph("以上为部分单位考核结果。")
    broken = document.add_paragraph("中共江城能源集团有限公司委员会")
    broken.add_run().add_break()
    broken.add_run("2025年1月20日")
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if page_field:
        footer = section.footer.paragraphs[0]
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        footer._p.append(field)
    document.save(str(path))
    return path


# ---------------------------------------------------------------- plain text and Markdown


def test_plain_text_becomes_one_line_per_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "2025-东湖街道-上半年工作总结.txt"
    path.write_bytes("标题\r\n\r\n\u3000\u3000第一段。\r\n  第二段。  \r\n".encode("gb18030"))
    doc = load_file(path)
    assert doc.lines == [Line("标题"), Line("第一段。"), Line("第二段。")]
    assert doc.encoding == "gbk"
    assert doc.path == str(path)


def test_markdown_markup_is_stripped_and_heading_levels_kept() -> None:
    text = (
        "# 临河县卫生健康局2025年上半年工作总结\n\n"
        "今年上半年，**县卫生健康局**在[县委](http://x.cn)领导下 ![图](a.png) <span>推进</span>工作。\n"
        "## 一、上半年工作完成情况\n"
        "### （一）坚持提质扩面\n"
        "#### 1.细项\n##### 更深\n"
        "- 一是丰富服务内容\n* 二是优化服务方式\n1. 有序号的条目保留序号\n"
        "> 引用的话\n---\n"
        "| 指标 | 数值 |\n|---|---:|\n| 签约率 | 38.9% |\n"
        "__强调__与`代码`\\*转义\\*\n"
        "下半年工作安排\n=========\n"
    )
    lines = markdown_lines(text)
    assert lines == [
        Line("临河县卫生健康局2025年上半年工作总结", "heading1"),
        Line("今年上半年，县卫生健康局在县委领导下 图 推进工作。"),
        Line("一、上半年工作完成情况", "heading2"),
        Line("（一）坚持提质扩面", "heading3"),
        Line("1.细项", "heading4"),
        Line("更深", "heading4"),
        Line("一是丰富服务内容"),
        Line("二是优化服务方式"),
        Line("1. 有序号的条目保留序号"),
        Line("引用的话"),
        Line("指标｜数值", "table"),
        Line("签约率｜38.9%", "table"),
        Line("强调与代码*转义*"),
        Line("下半年工作安排", "heading1"),
    ]


def test_markdown_file_loads_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "报告.md"
    path.write_text("# 标题\n正文。\n", encoding="utf-8-sig")
    doc = load_file(path)
    assert doc.lines == [Line("标题", "heading1"), Line("正文。")]
    assert doc.encoding == "utf-8-sig"


# ---------------------------------------------------------------- Word


def test_docx_keeps_body_order_heading_styles_and_tables(tmp_path: Path) -> None:
    doc = load_file(_report_docx(tmp_path / "总结.docx"))
    assert doc.lines[:4] == [
        Line("中共江城能源集团有限公司委员会2024年党建工作总结", "title"),
        Line(LONG_PARAGRAPH),
        Line("一、2024年主要工作", "heading1"),
        Line("（一）坚持党建与生产经营深度融合", "heading2"),
    ]
    assert doc.lines[5:] == [
        Line("单位｜得分｜等次", "table"),
        Line("江城热力有限公司｜94.2｜好", "table"),  # the empty row is skipped
        Line("合计｜2家", "table"),  # the merged cell appears once
        Line("以上为部分单位考核结果。"),
        Line("中共江城能源集团有限公司委员会"),  # a manual line break splits the paragraph
        Line("2025年1月20日"),
    ]
    assert doc.encoding is None


def test_chinese_style_names_map_to_headings(tmp_path: Path) -> None:
    document = docx.Document()
    styles = document.styles
    heading = styles.add_style("标题 1", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    derived = styles.add_style("我的二级标题", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = styles["Heading 2"]
    document.add_paragraph("一、主要工作", style=heading)
    document.add_paragraph("（一）党建", style=derived)
    document.add_paragraph("正文。")
    path = tmp_path / "样式.docx"
    document.save(str(path))
    assert [line.style for line in load_file(path).lines] == ["heading1", "heading2", "body"]


def test_a_corrupt_docx_raises_a_document_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "损坏的总结.docx"
    path.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(CorruptDocumentError) as err:
        load_file(path)
    assert str(err.value).startswith("损坏的总结.docx：")
    assert ".docx" in err.value.reason


def test_a_zip_that_is_not_a_word_file_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "压缩包.docx"
    shutil.make_archive(str(tmp_path / "archive"), "zip", root_dir=tmp_path, base_dir=".")
    (tmp_path / "archive.zip").rename(path)
    with pytest.raises(CorruptDocumentError):
        load_file(path)


def test_old_doc_without_libreoffice_says_how_to_convert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "2019年工作总结.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ConversionError) as err:
        load_file(path)
    message = str(err.value)
    assert message.startswith("2019年工作总结.doc：")
    assert "另存为 .docx" in message and "LibreOffice" in message


@pytest.mark.render
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_old_doc_is_converted_through_libreoffice(tmp_path: Path) -> None:
    source = _report_docx(tmp_path / "旧版总结.docx")
    converted = _convert(source, "doc", tmp_path / "doc")
    doc = load_file(converted)
    assert doc.converted_from == ".doc"
    assert doc.path == str(converted)
    assert Line("一、2024年主要工作", "heading1") in doc.lines
    assert Line("江城热力有限公司｜94.2｜好", "table") in doc.lines


# ---------------------------------------------------------------- PDF


@pytest.mark.render
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_lines_are_rejoined_into_paragraphs(tmp_path: Path) -> None:
    source = _report_docx(
        tmp_path / "总结.docx", paragraphs=8, header="江城能源集团内部资料", page_field=True
    )
    pdf = _convert(source, "pdf", tmp_path / "pdf")
    doc = load_file(pdf)
    texts = [line.text for line in doc.lines]
    assert texts[0] == "中共江城能源集团有限公司委员会2024年党建工作总结"
    assert LONG_PARAGRAPH in texts  # wrapped over several visual lines, rejoined exactly
    assert "一、2024年主要工作" in texts
    numbered = [
        t for t in texts if t.startswith(("1.第", "2.第", "3.第", "4.第", "5.第", "6.第", "7.第", "8.第"))
    ]
    assert numbered == [
        f"{n}.第{n}项工作。" + LONG_PARAGRAPH for n in range(1, 9)
    ]  # incl. across page breaks
    assert max(line.page or 0 for line in doc.lines) >= 2
    # Page numbers are lines of their own (never glued to a paragraph), for the cleaner to drop and record.
    page_numbers = [t for t in texts if t.strip("- —").isdigit()]
    assert page_numbers and all(t.strip("- —").isdigit() for t in page_numbers)
    assert texts.count("江城能源集团内部资料") >= 2  # running header kept apart, for the cleaner


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "扫描件.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(NoTextLayerError) as err:
        load_file(path)
    assert "没有文字层（可能是扫描件），请先做 OCR" in str(err.value)
    assert str(err.value).startswith("扫描件.pdf：")


def test_a_corrupt_pdf_raises_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "坏的.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(CorruptDocumentError, match="坏的.pdf"):
        load_file(path)


# ---------------------------------------------------------------- bad input of every kind


@pytest.mark.parametrize("name", ["空.txt", "空.md", "空.docx", "空.pdf", "空.doc"])
def test_empty_files_are_empty_documents(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(EmptyDocumentError, match="空的"):
        load_file(path)


def test_whitespace_only_text_is_an_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "空白.txt"
    path.write_text("\n \u3000\n\t\n", encoding="utf-8")
    with pytest.raises(EmptyDocumentError, match="没有可读取的文字"):
        load_file(path)


@pytest.mark.parametrize("name", ["表格.xlsx", "无扩展名", "图片.PNG"])
def test_unknown_extensions_are_refused_with_the_supported_list(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"abc")
    with pytest.raises(UnsupportedFormatError) as err:
        load_file(path)
    assert ".docx" in err.value.reason and name in str(err.value)


def test_a_word_file_saved_as_txt_is_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "改了扩展名.txt"
    path.write_bytes(_report_docx(tmp_path / "x.docx").read_bytes())
    with pytest.raises(UnsupportedFormatError, match=r"\.docx"):
        load_file(path)


def test_binary_junk_as_txt_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(DocumentError, match="乱码.txt"):
        load_file(path)


def test_missing_files_directories_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(FileAccessError, match="不存在"):
        load_file(tmp_path / "没有这个文件.txt")
    folder = tmp_path / "文件夹.txt"
    folder.mkdir()
    with pytest.raises(FileAccessError, match="文件夹"):
        load_file(folder)
    big = tmp_path / "大文件.txt"
    big.write_text("正文。" * 1000, encoding="utf-8")
    with pytest.raises(FileAccessError, match="过大"):
        load_file(big, limits=InputLimits(max_file_mb=1 / 1024))
