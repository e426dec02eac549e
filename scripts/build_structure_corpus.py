"""Build the labelled as-collected structure corpus (dev half) from annotated sources.

Each ``corpus/eval/structure/dev_source/*.src`` holds one invented report as it would be collected
from the web, one line per line, each tagged: ``N|`` noise, ``T|`` title, ``o|w|p|l|c|`` a real line of
the opening / work / problems / plans / closing, ``|`` a blank line. Header lines ``# key: value`` give
the file name, encoding (utf-8, utf-8-sig, gb18030), format (txt, docx, pdf) and the metadata labels.
This script writes the files into ``docs/`` and ``labels.yaml`` in the format `drafter eval structure`
reads. PDFs are rendered with LibreOffice (soffice --headless), so their lines break mid-sentence.

    python scripts/build_structure_corpus.py [corpus/eval/structure/dev]
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

PARTS = {"o": "opening", "w": "work", "p": "problems", "l": "plans", "c": "closing"}
_TAG = re.compile(r"<[^>]*>")


def _visible(text: str) -> str:
    """The line as a reader sees it: markup and entities gone, spaces trimmed."""
    return html.unescape(_TAG.sub("", text)).replace("\xa0", " ").strip().strip("\u3000").strip()


def _read_source(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    header: dict[str, str] = {}
    lines: list[tuple[str, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("# "):
            key, _, value = raw[2:].partition(":")
            header[key.strip()] = value.strip()
        elif "|" in raw:
            tag, _, text = raw.partition("|")
            lines.append((tag, text))
    return header, lines


def _null_or(value: str) -> str | int | None:
    if value in ("", "null"):
        return None
    return int(value) if value.isdigit() else value


def _label(header: dict[str, str], lines: list[tuple[str, str]], extra_noise: list[str]) -> dict:
    title = "".join(_visible(t) for tag, t in lines if tag == "T")
    noise = [t.strip() for tag, t in lines if tag == "N" and t.strip()] + extra_noise
    paragraphs = []
    for tag, text in lines:
        if tag in PARTS:
            shown = _visible(text)
            paragraphs.append({"text": shown[:20], "part": PARTS[tag]})
    return {
        "file": header["file"],
        "title": title,
        "kind": header["kind"],
        "year": _null_or(header["year"]),
        "period": _null_or(header["period"]),
        "org": _null_or(header["org"]),
        "noise": noise,
        "paragraphs": paragraphs,
    }


def _write_text(target: Path, header: dict[str, str], lines: list[tuple[str, str]]) -> None:
    text = "\r\n".join(t for _, t in lines) + "\r\n"
    target.write_bytes(text.encode(header.get("encoding", "utf-8")))


def _docx(header: dict[str, str], lines: list[tuple[str, str]], *, page_numbers: bool) -> object:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    if header.get("header"):
        section.header.paragraphs[0].text = header["header"]
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if page_numbers:
        footer.add_run("— ")
        footer._p.append(
            parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>')
        )
        footer.add_run(" —")
    elif header.get("footer"):
        footer.text = header["footer"]
    for tag, text in lines:
        if tag == "|" or not text.strip():
            continue
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(16 if tag == "T" else 12)
        if tag == "T":
            run.bold = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.paragraph_format.first_line_indent = Pt(24)
    return document


def _write_pdf(target: Path, header: dict[str, str], lines: list[tuple[str, str]]) -> list[str]:
    """Render through LibreOffice; returns the page-number lines the footer put on the pages."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / (target.stem + ".docx")
        _docx(header, lines, page_numbers=True).save(str(source))  # type: ignore[attr-defined]
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", scratch, str(source)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.copyfile(Path(scratch) / (target.stem + ".pdf"), target)
    pages = len(PdfReader(str(target)).pages)
    return [f"— {n} —" for n in range(1, pages + 1)]


def _dump(labels: list[dict]) -> str:
    """labels.yaml with one paragraph a line, ``{text: …, part: …}``, so a person can review it."""
    out: list[str] = []
    for label in labels:
        out.append(f"- file: {_scalar(label['file'])}")
        for key in ("title", "kind", "year", "period", "org"):
            out.append(f"  {key}: {_scalar(label[key])}")
        out.append("  noise:" + ("" if label["noise"] else " []"))
        out += [f"    - {_scalar(line)}" for line in label["noise"]]
        out.append("  paragraphs:")
        out += [f"    - {{text: {_scalar(p['text'])}, part: {p['part']}}}" for p in label["paragraphs"]]
    return "\n".join(out) + "\n"


def _scalar(value: object) -> str:
    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def build(out_dir: Path, sources: Path) -> int:
    docs = out_dir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    labels = []
    for path in sorted(sources.glob("*.src")):
        header, lines = _read_source(path)
        target = docs / header["file"]
        fmt = header.get("format", "txt")
        extra: list[str] = []
        if fmt == "docx":
            _docx(header, lines, page_numbers=False).save(str(target))  # type: ignore[attr-defined]
            extra = [header[k] for k in ("header", "footer") if header.get(k)]
        elif fmt == "pdf":
            extra = _write_pdf(target, header, lines)
        else:
            _write_text(target, header, lines)
        labels.append(_label(header, lines, extra))
    (out_dir / "labels.yaml").write_text(_dump(labels), encoding="utf-8")
    return len(labels)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1] / "corpus" / "eval" / "structure"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "dev"
    print(f"{build(out, root / 'dev_source')} documents written to {out}")
