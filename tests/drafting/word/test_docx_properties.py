"""The exported file's own properties and its signature block, read back from the .docx zip."""

from __future__ import annotations

import datetime as dt
import zipfile
from xml.etree import ElementTree

import docx
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

from drafting.word.export import DocxExporter
from drafting.word.properties import PRODUCT_NAME
from tests.drafting.word.test_docx_export import sample_draft

NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
}


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_core_properties_name_the_report_the_organisation_and_now(tmp_path):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = DocxExporter().export(sample_draft(), tmp_path / "r.docx")
    after = dt.datetime.now(dt.UTC)
    core = ElementTree.fromstring(parts(out)["docProps/core.xml"])
    assert core.findtext("dc:title", namespaces=NS) == "青川区委组织部2025年上半年工作总结和下半年工作计划"
    assert core.findtext("dc:creator", namespaces=NS) == "中共青川区委组织部"
    assert core.findtext("cp:lastModifiedBy", namespaces=NS) == "中共青川区委组织部"
    assert not core.findtext("dc:description", namespaces=NS)
    raw = parts(out)["docProps/core.xml"].decode("utf-8")
    assert "python-docx" not in raw and "2013" not in raw
    for tag in ("dcterms:created", "dcterms:modified"):
        stamp = dt.datetime.fromisoformat(core.findtext(tag, namespaces=NS).replace("Z", "+00:00"))
        assert before <= stamp <= after


def test_the_producing_application_is_the_product(tmp_path):
    out = DocxExporter().export(sample_draft(), tmp_path / "r.docx")
    files = parts(out)
    app = ElementTree.fromstring(files["docProps/app.xml"])
    assert app.findtext("ep:Application", namespaces=NS) == PRODUCT_NAME
    assert app.findtext("ep:Company", namespaces=NS) == "中共青川区委组织部"
    assert b"Microsoft" not in files["docProps/app.xml"]
    assert "docProps/thumbnail.jpeg" not in files  # the template's picture of an empty page
    assert b"thumbnail" not in files["_rels/.rels"]
    docx.Document(str(out))  # still a valid package


def test_a_reference_template_does_not_lend_its_author(tmp_path):
    template = docx.Document()
    template.core_properties.author = "模板作者"
    template.core_properties.comments = "某公司模板"
    template.save(tmp_path / "ref.docx")
    out = DocxExporter(reference_docx=tmp_path / "ref.docx").export(sample_draft(), tmp_path / "r.docx")
    props = docx.Document(str(out)).core_properties
    assert (props.author, props.comments, props.title[:3]) == ("中共青川区委组织部", "", "青川区")


def test_without_an_organisation_the_product_is_the_author(tmp_path):
    draft = sample_draft(signature=None, org="")
    props = docx.Document(str(DocxExporter().export(draft, tmp_path / "r.docx"))).core_properties
    assert props.author == PRODUCT_NAME


def test_an_undated_report_carries_the_highlighted_date_placeholder_under_the_signature(tmp_path):
    doc = docx.Document(str(DocxExporter().export(sample_draft(date=None), tmp_path / "r.docx")))
    org, date = doc.paragraphs[-2], doc.paragraphs[-1]
    assert (org.text, date.text) == ("中共青川区委组织部", "【待补充：成文日期】")
    assert date.style.name == "公文落款"
    assert [r.font.highlight_color for r in date.runs] == [WD_COLOR_INDEX.YELLOW]
    # 10 characters wide against the name's 9: the name moves left so the date still starts
    # two characters right of it (right indents 10+4-9 = 5 and 5+9-2-10 = 2 characters).
    assert org._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "500"
    assert date._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "200"


def test_the_signature_block_is_chained_to_the_last_body_paragraph(tmp_path):
    doc = docx.Document(str(DocxExporter().export(sample_draft(), tmp_path / "r.docx")))
    last_body, blank, org, date = doc.paragraphs[-4:]
    assert "98%" in last_body.text and blank.text == ""
    assert [p.paragraph_format.keep_with_next for p in (last_body, blank, org, date)] == [
        True,
        True,
        True,
        None,
    ]
    assert org.paragraph_format.keep_together and date.paragraph_format.keep_together
    # Only the end is chained: a document-wide keep-with-next would glue every page together.
    assert not any(p.paragraph_format.keep_with_next for p in doc.paragraphs[:-4] if p.style.name == "Normal")


def test_a_speech_has_no_signature_and_no_date_placeholder(tmp_path):
    draft = sample_draft(kind="speech", speaker="区委书记 王明", date=None, signature=None, greeting="同志们")
    doc = docx.Document(str(DocxExporter().export(draft, tmp_path / "r.docx")))
    assert not any("成文日期" in p.text for p in doc.paragraphs)
