"""Facts and drafts holding control characters, XML-illegal characters, emoji, characters outside
the Basic Multilingual Plane and traditional characters, from the facts file to the Word file.

tests/drafting/word/test_docx_export.py strips control characters from a hand-made draft; here the
same characters arrive the way a writer brings them (a facts file pasted from a chat or a web page),
go through parsing, the offline composer, the grounding check and the export, and the file is read
back: nothing illegal in its XML, every ordinary character kept.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import yaml

from drafting.checking.grounding import check_draft
from drafting.facts.files import parse_facts_file
from drafting.outlines.outline import get_outline
from drafting.settings import PROJECT_ROOT
from drafting.store.drafts import DraftStore
from drafting.word.export import DocxExporter
from drafting.writing.pipeline import DraftingPipeline
from drafting.writing.templates import PromptLibrary

# XML 1.0 allows tab, newline, carriage return and U+0020 upwards except surrogates, U+FFFE, U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部\x07",
    "period": "2026年上半年",
    "title": "云溪区委组织部2026年上半年工作总结\x1b",
    "parts": {
        "work": [
            {
                "area": "干部教育培训😀",
                "facts": [
                    "举办科级干部培训班3期\x00，培训180人次",
                    "開展“雲溪講堂”6期，發展黨員12名",  # traditional characters, as a Hong Kong source writes
                    "走访𠀀𠀁村（扩展B区汉字）2个，点赞👍👍",
                    "整理档案\ufffe资料\uffff40卷",
                ],
            }
        ],
        "problems": [{"facts": ["基层党组织书记年龄结构偏大\x0b"]}],
        "plans": [{"area": "人才工作", "facts": ["建立引进人才定期回访制度\x1f"]}],
    },
}
KEPT = ("😀", "開展“雲溪講堂”6期", "發展黨員12名", "𠀀𠀁", "👍👍", "举办科级干部培训班3期")


def test_unusual_characters_from_a_facts_file_reach_a_valid_word_file(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    # allow_unicode=False: YAML writes \x00 and friends as escapes, the way a converter would.
    path.write_text(yaml.safe_dump(FACTS, allow_unicode=False), encoding="utf-8")
    sheet = parse_facts_file(path)
    assert "\x00" in sheet.all_facts()[0].text  # the parser keeps what the writer gave
    pipeline = DraftingPipeline(
        outlines_dir=PROJECT_ROOT / "prompts" / "outlines",
        prompts=PromptLibrary(PROJECT_ROOT / "prompts" / "templates"),
        chat=None,
        store=DraftStore(tmp_path / "drafts.sqlite3"),
    )
    draft = pipeline.run(sheet)
    body = "".join(p.text for s in draft.sections for p in s.paragraphs)
    for text in KEPT:
        assert text in body.replace("\x00", ""), text
    # The check reads the same odd text without tripping over it: the writer's own figures pass.
    report = check_draft(
        draft, sheet, outline=get_outline(PROJECT_ROOT / "prompts" / "outlines", "half-year")
    )
    assert report.counts["unsupported_number"] == 0, report.of_kind("unsupported_number")

    out = DocxExporter().export(draft, tmp_path / "report.docx", comments=True)
    with zipfile.ZipFile(out) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                xml = package.read(name).decode("utf-8")
                assert not XML_ILLEGAL.search(xml), name
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    for kept in KEPT:
        assert kept in text, kept
    assert "整理档案资料40卷" in text and "\x00" not in text and "\ufffe" not in text
