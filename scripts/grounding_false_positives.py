"""False positives of the grounding check on drafts that invent nothing, before and after a change.

Usage:  .venv/bin/python scripts/grounding_false_positives.py [--before REV] [--show CASE] [--names]

The offline composer writes only what the facts say, so every flag the check raises on its
drafts is a false positive. For every drafting case (corpus/eval/drafting_cases, the dev cases
and, reported separately, heldout/) and every sample facts file (corpus/facts), the composer
drafts the sheet and drafting/checking/grounding checks the draft against the sheet and the
case's reference passages. The table gives the flags by kind; "placeholder" (the composer's
deliberate 【待补充】) and "unused_fact" are listed but are not claims about invention.

A second table counts the named bodies the extractor finds in the sample past reports
(corpus/reports): the ones only "before" are what the change stopped calling a body
(``--names`` lists both sides), which a reader can judge phrase by phrase.

Each sheet is checked twice: the composer's draft as written ("composer"), and the same draft
with every fact restated word for word in the opening ("restated"), as a model's summary does.
The second puts each number outside its own section, which is where a grounding rule about
sections and measure words can go wrong; it still invents nothing.

"Before" runs the very same measuring code on the tree of ``--before`` (default: the main
commit the grounding rework started from), unpacked with ``git archive`` into a temporary
directory, so both sides are measured, never typed in. ``--show CASE`` prints that case's flags.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "e12a7fd"  # main when the grounding rework (issue 10 item 4) began
INVENTION_KINDS = ("unsupported_number", "unsupported_name", "unsupported_quote", "verbatim_copy")
OTHER_KINDS = ("placeholder", "unused_fact", "missing_part")

# Runs in a subprocess with PYTHONPATH at the tree under test; only APIs both trees have.
MEASURE = r"""
import copy, json, sys
from pathlib import Path
import yaml
from drafting.checking.grounding import check_draft
from drafting.facts.sheet import parse_facts_mapping
from drafting.model import Paragraph
from drafting.outlines.outline import load_outlines
from drafting.writing.composer import compose_draft
from retrieval.documents import Passage

root = Path(sys.argv[1]); data = Path(sys.argv[2])
outlines = load_outlines(root / "prompts" / "outlines")
cases = data / "corpus" / "eval" / "drafting_cases"
inputs = []
for group, folder in (("dev", cases), ("heldout", cases / "heldout")):
    for path in sorted(folder.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        inputs.append((group, path.stem, case["facts"], case.get("references") or []))
for path in sorted((data / "corpus" / "facts").glob("*.yaml")):
    inputs.append(("sample", path.stem, yaml.safe_load(path.read_text(encoding="utf-8")), []))

def passage(i, ref):
    text = ref["text"]
    return Passage(ref.get("id", f"ref:{i}"), ref.get("id", f"ref:{i}"), text, ref.get("source", ""), "", "",
                   None, "", "", ref.get("part", "work"), "", 0, len(text))

def restated(draft, sheet):
    # Every fact once more, word for word, in the opening (or the first section): what a model's
    # summary does; nothing invented, but each number now sits outside its own section.
    draft = copy.deepcopy(draft)
    target = next((s for s in draft.sections if s.part == "opening"), draft.sections[0])
    target.paragraphs.append(Paragraph("；".join(f.text for f in sheet.all_facts()) + "。"))
    return draft

rows = []
for group, name, facts, refs in inputs:
    for variant in ("composer", "restated"):
        row = {"group": group, "case": name, "variant": variant}
        try:
            sheet = parse_facts_mapping(facts, kinds=outlines)
            outline = outlines[sheet.kind]
            draft = compose_draft(outline, sheet)
            if variant == "restated":
                draft = restated(draft, sheet)
            passages = [passage(i, r) for i, r in enumerate(refs)]
            report = check_draft(draft, sheet, passages, outline=outline)
        except Exception as exc:  # one bad case never stops the table
            row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            rows.append(row)
            continue
        row["counts"] = report.counts
        row["flags"] = [[f.kind, f.section, f.text] for f in report.flags]
        rows.append(row)
from drafting.mentions.names import extract_names
names = {}
for path in sorted((data / "corpus" / "reports").glob("*")):
    if path.suffix in (".txt", ".md"):
        names[path.name] = [n.text for n in extract_names(path.read_text(encoding="utf-8", errors="replace"))]
print(json.dumps({"rows": rows, "names": names}, ensure_ascii=False))
"""


def measure(code_root: Path) -> dict:
    """The MEASURE rows for the code in ``code_root`` on this tree's cases and samples."""
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


def _cell(row: dict | None, kind: str) -> str:
    return "—" if not row or "error" in row else str(row["counts"].get(kind, 0))


def _invented(row: dict | None) -> int:
    return sum(row["counts"].get(k, 0) for k in INVENTION_KINDS) if row and "error" not in row else 0


def table(before: list[dict], after: list[dict]) -> list[str]:
    """Markdown rows: per case, each kind as before→after, then a total per group."""
    old = {(r["group"], r["case"], r["variant"]): r for r in before}
    kinds = INVENTION_KINDS + OTHER_KINDS
    lines = [
        "| group | case | draft | " + " | ".join(kinds) + " | false positives |",
        "|" + "---|" * (len(kinds) + 4),
    ]
    totals: dict[str, dict[str, list[int]]] = {}
    for row in after:
        prev = old.get((row["group"], row["case"], row["variant"]))
        label = f"| {row['group']} | {row['case']} | {row['variant']} | "
        if "error" in row:
            lines.append(f"{label}error: {row['error']} |")
            continue
        total = totals.setdefault(f"{row['group']} {row['variant']}", {k: [0, 0] for k in (*kinds, "fp")})
        for kind in kinds:
            total[kind][0] += int(_cell(prev, kind)) if _cell(prev, kind) != "—" else 0
            total[kind][1] += row["counts"].get(kind, 0)
        total["fp"][0] += _invented(prev)
        total["fp"][1] += _invented(row)
        cells = [f"{_cell(prev, k)}→{_cell(row, k)}" for k in kinds]
        fp = f"{_invented(prev) if prev and 'error' not in prev else '—'}→{_invented(row)}"
        lines.append(label + " | ".join(cells) + f" | {fp} |")
    for group, total in totals.items():
        cells = [f"{total[k][0]}→{total[k][1]}" for k in kinds]
        lines.append(
            f"| **{group} total** | | | " + " | ".join(cells) + f" | {total['fp'][0]}→{total['fp'][1]} |"
        )
    return lines


def name_table(before: dict[str, list[str]], after: dict[str, list[str]], listed: bool) -> list[str]:
    """Per past report: how many named bodies the extractor finds, before → after."""
    lines = ["| report | names before | names after |", "|---|---|---|"]
    for report, names in after.items():
        lines.append(f"| {report} | {len(before.get(report, []))} | {len(names)} |")
    total_before = sum(len(v) for v in before.values())
    lines.append(f"| **total** | {total_before} | {sum(len(v) for v in after.values())} |")
    if listed:
        old = Counter(n for v in before.values() for n in v)
        new = Counter(n for v in after.values() for n in v)
        lines.append("\nonly before: " + "、".join(sorted((old - new).elements())))
        lines.append("only after: " + "、".join(sorted((new - old).elements())))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before", default=BASELINE, help=f"git revision to compare with (default {BASELINE})"
    )
    parser.add_argument("--show", help="print the before and after flags of this case")
    parser.add_argument("--names", action="store_true", help="list the names found only before or after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = measure(extract(args.before, Path(tmp)))
    after = measure(ROOT)
    print(f"Flags on the composer's drafts, before ({args.before}) → after (this tree).")
    print("Every flag of the first four kinds is a false positive: the composer invents nothing.\n")
    print("\n".join(table(before["rows"], after["rows"])))
    print("\nNamed bodies found in the sample past reports (corpus/reports, .txt/.md), before → after:\n")
    print("\n".join(name_table(before["names"], after["names"], args.names)))
    if args.show:
        for label, rows in (("before", before["rows"]), ("after", after["rows"])):
            print(f"\n===== {args.show} {label} =====")
            for row in rows:
                if row["case"] == args.show:
                    flags = row.get("flags", [])
                    shown = [f"{row['variant']}\t{k}\t{s}\t{t}" for k, s, t in flags if k in INVENTION_KINDS]
                    print("\n".join(shown) or f"{row['variant']}\t(none)")


if __name__ == "__main__":
    main()
