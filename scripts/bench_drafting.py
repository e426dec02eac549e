"""Drafting benchmark: a 6-section report through the local stub endpoint, sequential vs concurrent,
and the Word export of a ~20-page report.

Usage:  .venv/bin/python scripts/bench_drafting.py [--delay 1.0] [--runs 5] [--pages]

The stub answers every request after a fixed delay (a stand-in for a model's latency), so the
drafting times show what the bounded pool buys: with concurrency 6 a report should take about as
long as its slowest section. The stub's request log shows how many requests were in flight at once.
``--pages`` also renders the export with LibreOffice to count its pages (slow; needs soffice).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_export import twenty_page_report  # noqa: E402

from drafting.facts.sheet import parse_facts_mapping  # noqa: E402
from drafting.settings import PROJECT_ROOT  # noqa: E402
from drafting.word.export import DocxExporter  # noqa: E402
from drafting.writing.chat import OpenAIChatModel  # noqa: E402
from drafting.writing.pipeline import DraftingPipeline  # noqa: E402
from drafting.writing.stub_llm import StubLLM, StubRequest  # noqa: E402
from drafting.writing.templates import PromptLibrary  # noqa: E402

# Opening, two work areas, problems, one plan area, closing: six sections.
FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部",
    "period": "2026年上半年",
    "parts": {
        "opening": [{"facts": ["年初确定的28项重点任务中，已完成或基本完成19项"]}],
        "work": [
            {"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次", "开设“云溪讲堂”6期"]},
            {"area": "基层组织建设", "facts": ["排查整顿软弱涣散村党组织5个，已有3个通过验收"]},
        ],
        "problems": [{"facts": ["村党组织书记年龄结构偏大，55岁以上的占31.2%"]}],
        "plans": [{"area": "人才工作", "facts": ["建立引进人才定期回访制度"]}],
    },
}


def in_flight(requests: list[StubRequest]) -> int:
    """The most requests the stub was serving at one moment."""
    edges = sorted([(r.started, 1) for r in requests] + [(r.finished or r.started, -1) for r in requests])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def time_draft(concurrency: int, delay: float) -> tuple[float, int, int]:
    """(wall seconds, sections written, most requests in flight) for one whole draft."""
    sheet = parse_facts_mapping(FACTS)
    with StubLLM(delay_s=delay) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=delay + 30)
        pipeline = DraftingPipeline(
            outlines_dir=PROJECT_ROOT / "prompts" / "outlines",
            prompts=PromptLibrary(PROJECT_ROOT / "prompts" / "templates"),
            chat=chat,
            concurrency=concurrency,
        )
        started = time.perf_counter()
        draft = pipeline.run(sheet)
        elapsed = time.perf_counter() - started
        requests = stub.chat_requests
    failed = [s.key for s in draft.sections if s.status == "failed"]
    if failed:
        raise SystemExit(f"sections failed: {failed}")
    return elapsed, len(requests), in_flight(requests)


def time_export(runs: int, count_pages: bool) -> tuple[float, list[float], int, int | None]:
    """(median seconds, all timings, characters, pages or None) for the ~20-page export."""
    draft = twenty_page_report()
    chars = sum(len(p.text) for s in draft.sections for p in s.paragraphs) + sum(
        len(s.heading) for s in draft.sections
    )
    exporter = DocxExporter()
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.docx"
        for _ in range(runs):
            started = time.perf_counter()
            exporter.export(draft, out)
            timings.append(time.perf_counter() - started)
        pages = _page_count(out, Path(tmp)) if count_pages else None
    return statistics.median(timings), timings, chars, pages


def _page_count(docx: Path, work: Path) -> int | None:
    from pypdf import PdfReader

    from drafting.word.preview import PreviewError, render_pdf

    try:
        return len(PdfReader(str(render_pdf(docx, work / "pdf"))).pages)
    except PreviewError as exc:
        print(f"(page count skipped: {exc})", file=sys.stderr)
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0, help="stub delay per response, seconds")
    parser.add_argument("--runs", type=int, default=5, help="export runs (median reported)")
    parser.add_argument("--pages", action="store_true", help="count the export's pages with LibreOffice")
    args = parser.parse_args()

    sequential = time_draft(1, args.delay)
    concurrent = time_draft(6, args.delay)
    print(f"Drafting a 6-section report through the stub ({args.delay:g} s per response)\n")
    print("| run | concurrency | sections | max in flight | wall time |")
    print("|---|---|---|---|---|")
    print(f"| sequential | 1 | {sequential[1]} | {sequential[2]} | {sequential[0]:.2f} s |")
    print(f"| concurrent | 6 | {concurrent[1]} | {concurrent[2]} | {concurrent[0]:.2f} s |")
    print(f"\nspeed-up: {sequential[0] / concurrent[0]:.2f}x\n")

    median, timings, chars, pages = time_export(args.runs, args.pages)
    page_note = f"{pages} pages (LibreOffice)" if pages else f"~{chars / (22 * 28):.0f} pages at 22x28"
    print(f"Word export of a {chars:,}-character report ({page_note})\n")
    print("| runs | median | min | max |")
    print("|---|---|---|---|")
    print(
        f"| {len(timings)} | {median * 1000:.0f} ms | {min(timings) * 1000:.0f} ms | {max(timings) * 1000:.0f} ms |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
