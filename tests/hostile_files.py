"""Hostile and broken input files, made on the spot: the tests and scripts/reliability_report.py
feed them to the ingest. Each writes one file and returns its path."""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path

import docx

REPORT_TEXT = (
    "东湖街道2025年上半年工作总结\n"
    "一、主要工作\n"
    "上半年，街道完成老旧小区改造3个，新增就业岗位420个，办结群众诉求1860件。\n"
    "二、存在问题\n"
    "基层治理力量仍然不足，部分社区工作人员身兼数职。\n"
    "三、下半年打算\n"
    "下半年将推进二期改造，力争新增就业岗位300个。\n"
)


def good_text(path: Path, title: str = "东湖街道2025年上半年工作总结") -> Path:
    path.write_text(REPORT_TEXT.replace("东湖街道2025年上半年工作总结", title), encoding="utf-8")
    return path


def _docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(path: Path, inflated_mb: int = 300) -> Path:
    """A real Word package whose document.xml inflates to `inflated_mb` MB (about 1,000-fold)."""
    source = _docx_bytes(["炸弹"])
    pad = b"<w:p><w:r><w:t>" + b"A" * (1 << 20) + b"</w:t></w:r></w:p>"
    with (
        zipfile.ZipFile(io.BytesIO(source)) as package,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for info in package.infolist():
            data = package.read(info.filename)
            if info.filename != "word/document.xml":
                out.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>", 1)
            with out.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(head + b"<w:body>")
                for _ in range(inflated_mb):
                    part.write(pad)
                part.write(tail)
    return path


def forged_size_docx(path: Path, inflated_mb: int = 200) -> Path:
    """A package whose directory claims document.xml is 1 MB while it inflates to `inflated_mb` MB:
    the declared sizes pass every check, only reading proves them wrong."""
    filler = b"<w:p><w:r><w:t>" + b"B" * (inflated_mb << 20) + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(io.BytesIO(_docx_bytes(["伪造"]))) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    document = parts["word/document.xml"]
    head, tail = document.split(b"<w:body>", 1)
    parts["word/document.xml"] = head + b"<w:body>" + filler + tail
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    data = bytearray(raw.getvalue())
    real = len(parts["word/document.xml"]).to_bytes(4, "little")
    forged = (1 << 20).to_bytes(4, "little")
    # The size sits in the local header (offset 22) and the central directory entry (offset 24).
    name = b"word/document.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if (
                data[name_at : name_at + len(name)] == name
                and data[start + size_at : start + size_at + 4] == real
            ):
                data[start + size_at : start + size_at + 4] = forged
            start += 4
    path.write_bytes(bytes(data))
    return path


def pdf_bomb(path: Path, inflated_mb: int = 300) -> Path:
    """A one-page PDF whose content stream inflates to `inflated_mb` MB."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    compressor = zlib.compressobj(9)
    chunk = b"0 0 m " * (1 << 16)
    body = b"".join(compressor.compress(chunk) for _ in range((inflated_mb << 20) // len(chunk)))
    stream = StreamObject()
    stream.set_data(body + compressor.flush())  # type: ignore[no-untyped-call]
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(stream.get_data()))
    page[NameObject("/Contents")] = writer._add_object(stream)
    # A font, so that text extraction reads the stream (a page without one cannot hold text).
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def one_line_text(path: Path, mb: int = 30) -> Path:
    """`mb` MB of Chinese text without a single line break."""
    sentence = "本季度完成项目３期，投入资金120万元。".encode()
    with path.open("wb") as handle:
        for _ in range((mb << 20) // (len(sentence) * 1024)):
            handle.write(sentence * 1024)
    return path


def binary_as_text(path: Path, size: int = 200_000) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def docx_without_body(path: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(_docx_bytes(["无正文"]))) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    document = parts["word/document.xml"]
    start, end = document.index(b"<w:body>"), document.index(b"</w:body>") + len(b"</w:body>")
    parts["word/document.xml"] = document[:start] + document[end:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def pdf_without_text(path: Path, pages: int = 2) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def nested_tables_docx(path: Path, depth: int) -> Path:
    """A report whose table holds a table holds a table… `depth` deep, text in the innermost."""
    document = docx.Document()
    document.add_paragraph("临河县卫生健康局2025年上半年工作总结")
    document.add_paragraph("上半年，全县完成家庭医生签约12.6万人，签约率达到43%。")
    cell = document.add_table(rows=1, cols=2).cell(0, 0)
    cell.text = "第1层"
    for level in range(2, depth + 1):
        cell = cell.add_table(rows=1, cols=2).cell(0, 0)
        cell.text = f"第{level}层"
    cell.text = "最内层：新建村卫生室8所"
    document.save(str(path))
    return path


def mixed_encoding_text(path: Path) -> Path:
    """Lines in UTF-8 and in GBK in one file, as when two sources are pasted together."""
    utf8 = "石门镇2025年第三季度情况汇报\n一、主要工作\n本季度完成农村道路硬化12公里。\n".encode()
    gbk = "二、存在问题\n部分村组资金拨付进度偏慢。\n三、下步打算\n第四季度完成剩余8公里。\n".encode("gbk")
    path.write_bytes(utf8 + gbk)
    return path


def control_characters_text(path: Path) -> Path:
    text = REPORT_TEXT.replace("主要工作", "主要\x01工作\x0b").replace("不足", "不足\x1f\ufeff\u200b")
    path.write_text(text, encoding="utf-8")
    return path
