"""Characters per fact of the offline composer's drafts, before (a git revision) and after (this tree).

Usage:  .venv/bin/python scripts/composer_report.py [--before REV] [--show CASE]

For every drafting case (corpus/eval/drafting_cases) and every sample facts file (corpus/facts)
the composer writes a draft; the table gives its length in characters (whitespace excluded:
title, addressee, greeting, headings, paragraphs, signature and date), the facts it had, the
characters per fact, unsupported numbers and unused facts (drafting/checking/grounding) and
sentences that occur twice. "Before" runs the very same measuring code on the composer of
``--before`` (default: the main commit the rework started from), extracted with ``git archive``
into a temporary directory, so both columns are measured, never typed in. A case whose facts use
keys the old code does not know shows "—" before. ``--show CASE`` prints that case's two drafts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "541511b"  # main when the composer rework (issue 12) began

# Runs in a subprocess with PYTHONPATH at the tree under test; only APIs both trees have.
MEASURE = r"""
import json, re, sys
from collections import Counter
from pathlib import Path
import yaml
from drafting.checking.grounding import check_draft
from drafting.facts.sheet import FactsError, parse_facts_mapping
from drafting.outlines.outline import load_outlines
from drafting.writing.composer import compose_draft

root = Path(sys.argv[1]); data = Path(sys.argv[2])
outlines = load_outlines(root / "prompts" / "outlines")
inputs = [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))["facts"])
          for p in sorted((data / "corpus" / "eval" / "drafting_cases").glob("*.yaml"))]
inputs += [("sample:" + p.stem, yaml.safe_load(p.read_text(encoding="utf-8")))
           for p in sorted((data / "corpus" / "facts").glob("*.yaml"))]
rows = {}
for name, facts in inputs:
    try:
        sheet = parse_facts_mapping(facts, kinds=outlines)
    except FactsError as exc:
        rows[name] = {"error": str(exc).splitlines()[0]}
        continue
    outline = outlines[sheet.kind]
    draft = compose_draft(outline, sheet)
    lines = [draft.title, draft.addressee or "", draft.greeting or ""]
    for s in draft.sections:
        lines += [s.heading, *(p.text for p in s.paragraphs)]
    lines += [draft.signature or "", draft.date or ""]
    text = "\n".join(l for l in lines if l)
    chars = len(re.sub(r"\s", "", text))
    counts = check_draft(draft, sheet, outline=outline).counts
    sentences = [s for s in re.split(r"(?<=[。！？：；])", re.sub(r"\s", "", text)) if len(s) >= 8]
    repeated = sum(n - 1 for n in Counter(sentences).values() if n > 1)
    rows[name] = {"kind": sheet.kind, "facts": len(sheet.all_facts()), "chars": chars,
                  "unsupported_number": counts["unsupported_number"], "unused_fact": counts["unused_fact"],
                  "repeated_sentences": repeated, "text": text}
print(json.dumps(rows, ensure_ascii=False))
"""


def measure(code_root: Path) -> dict:
    """The MEASURE rows for the composer in ``code_root`` on this tree's cases and samples."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(code_root), str(ROOT)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(code_root), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        cwd=code_root,  # `python -c` puts the working directory first on sys.path, before PYTHONPATH
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"measuring {code_root} failed:\n{result.stderr}")
    return json.loads(result.stdout)


def extract(revision: str, into: Path) -> Path:
    """The code and prompts of ``revision`` unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "drafting", "retrieval", "prompts"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def per_fact(row: dict | None) -> str:
    if not row or "error" in row:
        return "—"
    return f"{row['chars'] / row['facts']:.1f}"


def cell(row: dict | None, key: str) -> str:
    return "—" if not row or "error" in row else str(row[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before", default=BASELINE, help=f"git revision to compare with (default {BASELINE})"
    )
    parser.add_argument("--show", help="print the before and after drafts of this case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = measure(extract(args.before, Path(tmp)))
    after = measure(ROOT)
    header = (
        "| case | kind | facts | chars before | chars after | chars/fact before | chars/fact after "
        "| unsupported numbers before/after | unused facts before/after | repeated sentences before/after |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    totals = {"before": [0, 0], "after": [0, 0]}
    for name, row in after.items():
        old = before.get(name)
        if "error" in row:
            print(f"| {name} | — | — | — | — | — | — | — | — | — |  (after: {row['error']})")
            continue
        if old and "error" not in old:
            totals["before"][0] += old["chars"]
            totals["before"][1] += old["facts"]
            totals["after"][0] += row["chars"]
            totals["after"][1] += row["facts"]
        print(
            f"| {name} | {row['kind']} | {row['facts']} | {cell(old, 'chars')} | {row['chars']} "
            f"| {per_fact(old)} | {per_fact(row)} "
            f"| {cell(old, 'unsupported_number')}/{row['unsupported_number']} "
            f"| {cell(old, 'unused_fact')}/{row['unused_fact']} "
            f"| {cell(old, 'repeated_sentences')}/{row['repeated_sentences']} |"
        )
    (bc, bf), (ac, af) = totals["before"], totals["after"]
    if bf and af:
        print(f"| all measured both ways | | {af} | {bc} | {ac} | {bc / bf:.1f} | {ac / af:.1f} | | | |")
    if args.show:
        for label, rows in (("before", before), ("after", after)):
            row = rows.get(args.show)
            print(f"\n===== {args.show} {label} =====")
            print(row.get("text") or row.get("error") if row else "(no such case)")


if __name__ == "__main__":
    main()
