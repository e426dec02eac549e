"""The 落款 never stands alone on the last page: drafts of every length around a page break,
rendered through LibreOffice, read back page by page with pdftotext.

Page 1 holds 22 lines; the title block takes three (title, blank, addressee) and the signature
block three more (blank, organisation, date). Drafts of 15 to 21 one-line paragraphs, and some
ending in a three-line paragraph, put the page break before, inside and just after the
signature block, so at least one of them strands it without keep-with-next (checked in
``test_the_lengths_reach_the_case_the_chain_is_for``). A sparse draft from the real composer is
rendered too. The PDFs are kept in artifacts/render/signature/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from drafting.facts.sheet import parse_facts_mapping
from drafting.model import Draft, Paragraph, Section
from drafting.outlines.outline import load_outlines
from drafting.settings import PROJECT_ROOT
from drafting.word import export as export_module
from drafting.word.export import DocxExporter
from drafting.word.preview import PREVIEW_FONTCONFIG
from drafting.writing.composer import compose_draft

pytestmark = pytest.mark.render

if any(shutil.which(tool) is None for tool in ("soffice", "pdftotext")):
    pytest.skip("LibreOffice/poppler not installed (scripts/setup.sh --system)", allow_module_level=True)

REPO = Path(__file__).resolve().parents[3]
ORG = "中共青川区委组织部"
LINE_26 = "扎实推进基层党组织建设，持续提升组织力和政治功能水平。"  # one full line after the indent
LAST_3 = "下半年，我部将坚持稳中求进，聚焦主责主业，" * 3 + "确保全年目标任务圆满完成。"


def padded_draft(lines: int, last: str = "", *, date: str | None = "2025年7月5日") -> Draft:
    paragraphs = [Paragraph(LINE_26) for _ in range(lines)] + ([Paragraph(last)] if last else [])
    return Draft(
        title="青川区委组织部工作情况汇报",
        kind="half-year",
        org="青川区委组织部",
        period="2025年上半年",
        addressee="区委",
        sections=[Section("work:0", "work", "", 0, paragraphs)],
        signature=ORG,
        date=date,
    )


def sparse_composed_draft() -> Draft:
    sheet = parse_facts_mapping(
        {
            "kind": "half-year",
            "org": ORG,
            "period": "2026年上半年",
            "parts": {"work": [{"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次"]}]},
        }
    )
    return compose_draft(load_outlines(PROJECT_ROOT / "prompts" / "outlines")["half-year"], sheet)


DRAFTS: dict[str, Draft] = {f"lines{n:02d}": padded_draft(n) for n in range(15, 22)}
DRAFTS |= {f"lines{n:02d}-long-end": padded_draft(n, LAST_3) for n in range(14, 19)}
DRAFTS["undated"] = padded_draft(17, date=None)
DRAFTS["sparse-facts"] = sparse_composed_draft()


def render_all(out_dir: Path) -> dict[str, list[str]]:
    """Export every draft, convert them in one LibreOffice run, and return each one's page texts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [str(DocxExporter().export(draft, out_dir / f"{name}.docx")) for name, draft in DRAFTS.items()]
    env = dict(os.environ, FONTCONFIG_FILE=str(PREVIEW_FONTCONFIG))
    profile = out_dir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out_dir), *files],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    shutil.rmtree(profile, ignore_errors=True)
    pages: dict[str, list[str]] = {}
    for name in DRAFTS:
        text = subprocess.run(
            ["pdftotext", "-layout", str(out_dir / f"{name}.pdf"), "-"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        pages[name] = [p for p in text.split("\f") if p.strip()]
    return pages


DATES = ("2025年7月5日", "【待补充：成文日期】")


def lines_of(page: str) -> list[str]:
    """The page's non-empty lines, without the spaces pdftotext puts between digits and CJK."""
    return [line for line in ("".join(raw.split()) for raw in page.splitlines()) if line]


def body_lines(page: str) -> list[str]:
    """The page's lines other than the signature block and the page number."""
    return [line for line in lines_of(page) if line not in (ORG, *DATES) and not line.startswith("—")]


def last_signature_page(pages: list[str]) -> str:
    """The page holding the last line of the signature block (the date)."""
    found = [page for page in pages if any(line in DATES for line in lines_of(page))]
    assert found, "no 成文日期 line found"
    return found[-1]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[str]]:
    out_dir = REPO / "artifacts" / "render" / "signature"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        out_dir = tmp_path_factory.mktemp("signature")
    return render_all(out_dir)


@pytest.mark.parametrize("name", list(DRAFTS))
def test_the_signature_page_also_holds_body_text(rendered, name):
    page = last_signature_page(rendered[name])
    assert body_lines(page), f"{name}: the 落款 stands alone on its page:\n{page}"


def test_the_lengths_reach_the_case_the_chain_is_for(rendered):
    """Some drafts do run onto a second page, so the test above covers a real page break."""
    assert any(len(pages) > 1 for pages in rendered.values())
    assert any(len(pages) == 1 for pages in rendered.values())


def test_an_undated_report_shows_the_date_placeholder_under_the_signature(rendered):
    lines = [line for page in rendered["undated"] for line in lines_of(page)]
    assert lines.index("【待补充：成文日期】") == lines.index(ORG) + 1


def test_without_the_chain_some_draft_would_strand_the_signature(tmp_path, monkeypatch):
    """The render check can fail: with keep-with-next switched off, a signature is stranded."""
    monkeypatch.setattr(export_module, "_keep_with_next", lambda paragraph: None)
    pages = render_all(tmp_path)
    stranded = [name for name, texts in pages.items() if not body_lines(last_signature_page(texts))]
    assert len(stranded) >= 4, stranded
