"""Facts at and beyond the limits (settings.facts): how long a sheet takes to parse, plan and draft
offline (composer, grounding check, saving), and how fast too much is refused.

Usage:  .venv/bin/python scripts/bench_facts_limits.py

Prints a Markdown table. Sheets at the limits are the largest a writer can submit: 1,000 facts
(facts.max_facts), all facts together 200,000 characters (facts.max_text_chars), one fact 500
characters (facts.max_fact_chars).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from drafting.facts.limits import DEFAULT_FACT_LIMITS  # noqa: E402
from drafting.facts.sheet import FactsError, parse_facts_mapping  # noqa: E402
from drafting.facts.text_form import facts_to_text, parse_facts_text  # noqa: E402
from drafting.settings import PROJECT_ROOT  # noqa: E402
from drafting.store.drafts import DraftStore  # noqa: E402
from drafting.writing.pipeline import DraftingPipeline  # noqa: E402
from drafting.writing.templates import PromptLibrary  # noqa: E402

HEADER = {"kind": "half-year", "org": "云溪区委组织部", "period": "2026年上半年"}
_AREA_MARKS = "甲乙丙丁戊己庚辛壬癸"


def sheet_data(count: int, length: int) -> dict:
    """``count`` facts of ``length`` characters: work facts in areas of 50, one problem, one plan."""
    work = []
    count -= 2
    for a in range(0, count, 50):
        facts = [
            (
                f"开展第{k}项专题工作，覆盖{k * 3}个村社区，受益群众{k * 7}人次"
                + "扎实推进各项任务落实" * length
            )[:length]
            for k in range(a, min(a + 50, count))
        ]
        area = "工作方面" + _AREA_MARKS[a // 50 % 10] + _AREA_MARKS[a // 500 % 10]
        work.append({"area": area, "facts": facts})
    parts = {
        "work": work,
        "problems": [{"facts": ["村党组织书记年龄结构偏大"]}],
        "plans": [{"area": "人才工作", "facts": ["建立引进人才定期回访制度"]}],
    }
    return {**HEADER, "parts": parts}


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def accepted_row(label: str, count: int, length: int) -> str:
    data = sheet_data(count, length)
    sheet, parse_s = timed(lambda: parse_facts_mapping(data))
    text = facts_to_text(sheet)
    _, text_s = timed(lambda: parse_facts_text(text))
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = DraftingPipeline(
            outlines_dir=PROJECT_ROOT / "prompts" / "outlines",
            prompts=PromptLibrary(PROJECT_ROOT / "prompts" / "templates"),
            chat=None,
            store=DraftStore(Path(tmp) / "drafts.sqlite3"),
        )
        (_, specs), plan_s = timed(lambda: pipeline.plan(sheet))
        draft, draft_s = timed(lambda: pipeline.run(sheet))
    chars = sum(len(f.text) for f in sheet.all_facts())
    words = sum(len(p.text) for s in draft.sections for p in s.paragraphs)
    return (
        f"| {label} | {len(sheet.all_facts())} | {chars:,} | accepted | {parse_s * 1000:.0f} ms | "
        f"{text_s * 1000:.0f} ms | {plan_s * 1000:.0f} ms ({len(specs)} sections) | "
        f"{draft_s:.2f} s ({words:,} chars) |"
    )


def refused_row(label: str, make) -> str:
    data, kind = make()
    parse = parse_facts_text if kind == "text" else parse_facts_mapping
    started = time.perf_counter()
    try:
        parse(data)
        outcome = "ACCEPTED (limit not enforced)"
    except FactsError as exc:
        outcome = "refused: " + str(exc).splitlines()[0][:60]
    elapsed = time.perf_counter() - started
    return f"| {label} | | | {outcome} | {elapsed * 1000:.0f} ms | | | |"


def main() -> int:
    limits = DEFAULT_FACT_LIMITS
    # Just under max_text_chars once written as pasted text (headers, area lines and newlines add ~1%).
    text_budget = limits.max_text_chars * 97 // 100
    per_fact_at_text_limit = text_budget // limits.max_facts
    print("Facts at and beyond the limits (offline composer; draft = compose + check + save)\n")
    print("| sheet | facts | fact chars | outcome | parse mapping | parse text | plan | offline draft |")
    print("|---|---|---|---|---|---|---|---|")
    print(accepted_row("typical", 40, 30))
    print(accepted_row("max_facts, short facts", limits.max_facts, 30))
    print(accepted_row("max_facts, ~max_text_chars", limits.max_facts, per_fact_at_text_limit))
    print(
        accepted_row("max_fact_chars, ~max_text_chars", limits.max_text_chars // limits.max_fact_chars, 500)
    )
    print(refused_row("max_facts + 1", lambda: (sheet_data(limits.max_facts + 1, 30), "mapping")))
    print(refused_row("100,000 facts", lambda: (sheet_data(100_000, 30), "mapping")))
    print(refused_row("one fact of 1,000,000 chars", lambda: (_one_long_fact(1_000_000), "mapping")))
    print(refused_row("pasted text of 10 MB", lambda: ("很" * 10_000_000, "text")))
    return 0


def _one_long_fact(length: int) -> dict:
    return {**HEADER, "parts": {"work": [{"facts": ["举" * length]}]}}


if __name__ == "__main__":
    raise SystemExit(main())
