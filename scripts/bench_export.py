"""Time the Word export of a 20-page report (about 12,000 characters): median of 5 runs.

Usage:  .venv/bin/python scripts/bench_export.py [--runs 5] [--comments]

Only python-docx runs here; LibreOffice is not involved (the preview render is timed by
tests/drafting/test_docx_render.py's duration, not here).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drafting.model import Draft, Paragraph, PassageRef, Section  # noqa: E402
from drafting.word.export import DocxExporter  # noqa: E402

POOL = "党建工作组织队伍干部人才基层治理服务群众发展改革创新落实责任制度建设推进全面加强深化完善提升质量效能"
NUMERALS = "一二三四五六七八九十"


def twenty_page_report(seed: int = 1) -> Draft:
    """Six parts, three areas each, three paragraphs an area: about 20 pages at 22 x 28."""
    rng = random.Random(seed)

    def text(n: int) -> str:
        return "".join(rng.choice(POOL) if i % 12 else "，" for i in range(1, n)) + "。"

    sections = []
    for a in range(6):
        paragraphs = []
        for b in range(3):
            paragraphs.append(Paragraph(f"（{NUMERALS[b]}）{text(10)[:-1]}", kind="heading", level=2))
            for c in range(3):
                paragraphs.append(
                    Paragraph(
                        text(rng.randint(150, 250)) + ("【待补充：具体数字】" if c == 1 else ""),
                        fact_ids=[f"work.{a}.{b}"],
                        passages=[PassageRef(f"doc{a}:{b}{c}", "2024-往年总结.docx", 0, 120)],
                    )
                )
        sections.append(Section(f"work:{a}", "work", f"{NUMERALS[a]}、{text(10)[:-1]}", 1, paragraphs))
    return Draft(
        title="青川区委组织部2025年上半年工作总结和下半年工作计划",
        kind="half-year",
        org="青川区委组织部",
        period="2025年上半年",
        signature="中共青川区委组织部",
        date="2025年7月5日",
        sections=sections,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--comments", action="store_true", help="also write each paragraph's sources as comments"
    )
    args = parser.parse_args(argv)
    draft = twenty_page_report()
    chars = sum(len(p.text) for s in draft.sections for p in s.paragraphs)
    exporter = DocxExporter()
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.docx"
        for _ in range(args.runs):
            start = time.perf_counter()
            exporter.export(draft, out, comments=args.comments)
            timings.append(time.perf_counter() - start)
        size = out.stat().st_size
    print(
        f"export of {chars} characters ({len(draft.sections)} parts, comments={args.comments}): "
        f"median {statistics.median(timings) * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}); file {size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
