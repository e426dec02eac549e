from __future__ import annotations

import codecs
import random

import pytest

from retrieval.errors import DocumentError, EmptyDocumentError, UndecodableError
from retrieval.ingest.encoding import decode_text, normalise_text, split_lines

REPORT = (
    "东湖街道办事处2024年工作总结\n"
    "2024年，街道党工委下辖11个社区党委，共有党员3,482名。\n"
    "一、坚持党建引领，基层战斗堡垒作用充分发挥\n"
    "（一）夯实组织基础。全年发展党员31名，其中35岁以下青年党员26名。\n"
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (REPORT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + REPORT.encode("utf-8"), "utf-8-sig"),
        (REPORT.encode("gbk"), "gbk"),
        ((REPORT + "𠀀镕").encode("gb18030"), "gb18030"),  # beyond GBK: only GB18030 decodes it
        (codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), "utf-16-be"),
        (REPORT.encode("utf-16-le"), "utf-16-le"),  # no BOM: recognised by where the NULs fall
        (REPORT.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"],
)
def test_decodes_the_encodings_chinese_reports_come_in(data: bytes, encoding: str) -> None:
    decoded = decode_text(data, path="报告.txt")
    assert decoded.encoding == encoding
    assert decoded.replaced == 0
    assert "（一）夯实组织基础。全年发展党员31名" in decoded.text
    assert decoded.text.startswith("东湖街道办事处2024年工作总结\n")
    assert "\ufeff" not in decoded.text


def test_a_stray_bad_byte_is_replaced_not_fatal() -> None:
    data = REPORT.encode("utf-8") * 3
    cut = data.index("夯".encode()) + 1  # inside a multi-byte character
    damaged = data[:cut] + b"\xff" + data[cut:]
    decoded = decode_text(damaged, path="坏字节.txt")
    assert decoded.encoding == "utf-8"
    assert 0 < decoded.replaced <= 4
    assert decoded.text.count("全年发展党员31名") == 3


def test_a_stray_bad_byte_in_gbk_text_keeps_the_rest() -> None:
    data = REPORT.encode("gbk") * 3 + b"\xff" + REPORT.encode("gbk")
    decoded = decode_text(data, path="坏字节.txt")
    assert decoded.encoding == "gb18030"
    assert decoded.text.count("全年发展党员31名") == 4


def test_random_binary_is_reported_as_undecodable_naming_the_file() -> None:
    junk = random.Random(7).randbytes(4096)
    with pytest.raises(UndecodableError) as err:
        decode_text(junk, path="/tmp/照片.txt")
    assert str(err.value).startswith("照片.txt：")
    assert isinstance(err.value, DocumentError)


def test_binary_without_nul_bytes_is_still_refused() -> None:
    junk = bytes(b for b in random.Random(3).randbytes(8192) if b)[:4096]
    with pytest.raises(UndecodableError):
        decode_text(junk, path="x.txt")


def test_text_that_only_decodes_into_many_replacements_is_refused() -> None:
    data = REPORT.encode("utf-8")
    damaged = bytes(b if i % 7 else 0xFF for i, b in enumerate(data))
    with pytest.raises(UndecodableError, match="乱码|无法识别"):
        decode_text(damaged, path="乱码.txt")


def test_an_empty_file_is_an_empty_document() -> None:
    with pytest.raises(EmptyDocumentError, match="空的"):
        decode_text(b"", path="空.txt")


def test_normalises_newlines_controls_and_full_width_indents() -> None:
    raw = "标题\r\n\u3000\u3000第一段\x00正文。\r第二段\u2028第三段\x07。 \t\n\ufeff\u200b第四段"
    assert normalise_text(raw) == "标题\n第一段正文。\n第二段\n第三段。\n第四段"
    assert split_lines("\n\n  甲 \n\u3000\n乙") == ["甲", "乙"]
