"""Build the sample .docx report(s) of corpus/reports/ from plain-text sources under scripts/.

The corpus needs at least one real Word file so the .docx loader is exercised on built-in
styles ("Title", "Heading 1", "Heading 2", "Normal") and on a table. The text lives in a
``*.src.txt`` file next to this script (not under corpus/reports/, which is ingested as-is).

Usage:  .venv/bin/python scripts/make_corpus_docx.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "corpus" / "reports"
SOURCES = {
    # source text under scripts/  ->  output file name under corpus/reports/
    "2025-青川区委组织部-上半年工作总结.src.txt": "2025-青川区委组织部-上半年工作总结.docx",
}

# Item kinds accepted by build_docx, and the built-in Word style each maps to.
STYLES = {
    "title": "Title",
    "heading1": "Heading 1",
    "heading2": "Heading 2",
    "body": "Normal",
}

# Fixed document dates and zip entry times, so rebuilding gives a byte-identical file.
DOC_DATE = datetime(2025, 7, 10, 9, 0, 0)
ZIP_DATE = (2025, 7, 10, 9, 0, 0)

# An item is (kind, text) for paragraphs, or ("table", rows) with rows a list of cell lists.
Item = tuple[str, str] | tuple[str, Sequence[Sequence[str]]]


def _set_east_asian_font(style, name: str) -> None:
    """python-docx sets only the Latin font; Chinese text needs w:eastAsia as well."""
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def build_docx(items: Iterable[Item], out_path: Path, *, title: str | None = None) -> Path:
    """Write items to a new .docx at out_path, one paragraph (or table) per item."""
    doc = Document()
    styles = doc.styles
    styles["Normal"].font.size = Pt(16)
    _set_east_asian_font(styles["Normal"], "仿宋_GB2312")
    _set_east_asian_font(styles["Title"], "方正小标宋简体")
    _set_east_asian_font(styles["Heading 1"], "黑体")
    _set_east_asian_font(styles["Heading 2"], "楷体_GB2312")

    for kind, content in items:
        if kind == "table":
            rows = [list(r) for r in content]
            if not rows:
                continue
            ncols = max(len(r) for r in rows)
            table = doc.add_table(rows=len(rows), cols=ncols)
            table.style = styles["Table Grid"]
            for r, cells in enumerate(rows):
                for c in range(ncols):
                    table.cell(r, c).text = cells[c] if c < len(cells) else ""
            continue
        if kind not in STYLES:
            raise ValueError(f"unknown item kind {kind!r}")
        if not isinstance(content, str):
            raise TypeError(f"{kind} item needs a string, got {type(content).__name__}")
        doc.add_paragraph(content, style=STYLES[kind])

    props = doc.core_properties
    props.title = title or ""
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.created = DOC_DATE
    props.modified = DOC_DATE
    props.last_printed = DOC_DATE
    buf = io.BytesIO()
    doc.save(buf)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(_reproducible_zip(buf.getvalue()))
    return out_path


def _reproducible_zip(data: bytes) -> bytes:
    """Re-pack the .docx with fixed entry times (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def parse_source(text: str) -> list[Item]:
    """Turn the small line markup of a *.src.txt file into build_docx items."""
    items: list[Item] = []
    table: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("@table "):
            table.append([c.strip() for c in line[len("@table ") :].split("|")])
            continue
        if table:
            items.append(("table", table))
            table = []
        if not line or line.startswith("#"):
            continue
        for kind in ("title", "heading1", "heading2"):
            prefix = f"@{kind} "
            if line.startswith(prefix):
                items.append((kind, line[len(prefix) :].strip()))
                break
        else:
            items.append(("body", line))
    if table:
        items.append(("table", table))
    return items


def main() -> int:
    here = Path(__file__).resolve().parent
    for src_name, out_name in SOURCES.items():
        items = parse_source((here / src_name).read_text(encoding="utf-8"))
        title = next((c for k, c in items if k == "title" and isinstance(c, str)), None)
        out = build_docx(items, OUT_DIR / out_name, title=title)
        print(f"wrote {out.relative_to(REPO)} ({len(items)} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
