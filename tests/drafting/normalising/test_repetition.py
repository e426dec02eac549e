"""Sentences said again (a small model's loops) are removed once the paragraphs have their shape;
leads do not count, headings and short sentences are left alone. The loops are the packaged 1.5B
model's, from a prompt-lab run on a dev case."""

from __future__ import annotations

import re
from pathlib import Path

from drafting.model import Paragraph
from drafting.normalising.answer import normalise_answer
from drafting.normalising.repetition import drop_repeated_sentences
from retrieval.ingest.encoding import decode_text

REPO = Path(__file__).resolve().parents[3]
LOOP = "同时，我部还加强了对村党组织的指导和监督，确保党组织的正常运行。"
POINT = (
    "加强基层党组织的党建宣传和文化建设。我部通过开展党建宣传和文化建设，提高了基层党组织的凝聚力和战斗力。"
)


def test_a_sentence_closing_every_point_is_kept_once() -> None:
    answer = f"一是整顿软弱涣散村党组织5个。{LOOP}\n\n二是加强规范化建设。{LOOP}\n\n三是加强指导。{LOOP}"
    result = normalise_answer(answer)
    assert [p.text for p in result.paragraphs] == [
        f"一是整顿软弱涣散村党组织5个。{LOOP}",
        "二是加强规范化建设。",
        "三是加强指导。",
    ]
    assert [(r.reason, r.text) for r in result.removals] == [("repeated_sentence", LOOP)] * 2


def test_a_point_repeated_under_a_new_number_goes_whole() -> None:
    paragraphs = [
        Paragraph(text=f"五 {POINT}"),
        Paragraph(text=f"六 {POINT}"),
        Paragraph(text=f"七是{POINT}"),
    ]
    kept, removals = drop_repeated_sentences(paragraphs)
    assert [p.text for p in kept] == [f"五 {POINT}"]
    assert len(removals) == 4 and removals[0].text.startswith("六 ")


def test_headings_short_sentences_and_different_sentences_stay() -> None:
    paragraphs = [
        Paragraph(text="（一）加强基层组织建设", kind="heading", level=2),
        Paragraph(text="取得明显成效。举办培训班3期，培训干部180人次。"),
        Paragraph(text="（一）加强基层组织建设", kind="heading", level=2),
        Paragraph(text="取得明显成效。举办培训班5期，培训干部260人次。"),
    ]
    kept, removals = drop_repeated_sentences(paragraphs)
    assert kept == paragraphs and removals == []


def test_a_paragraph_ending_in_a_removed_clause_ends_with_a_full_stop() -> None:
    clause = "持续加强村党组织书记队伍建设；"
    kept, _ = drop_repeated_sentences(
        [Paragraph(text=f"一是{clause}"), Paragraph(text=f"二是完善制度；{clause}")]
    )
    assert kept[1].text == "二是完善制度。"


def test_past_reports_written_by_people_lose_nothing() -> None:
    files = [p for p in (REPO / "corpus" / "reports").iterdir() if p.suffix in (".txt", ".md")]
    assert files
    for path in files:
        for block in re.split(r"\n\s*\n", decode_text(path.read_bytes(), path=path).text):
            paragraphs = [Paragraph(text=line) for line in block.splitlines() if line.strip()]
            assert drop_repeated_sentences(paragraphs)[1] == [], path.name


def test_a_loop_cut_off_by_the_token_limit_loses_its_unfinished_copy() -> None:
    said = "六是加强与政府的协调，我局与政府建立了良好的协调机制，及时了解和解决欠薪问题。"
    kept, removals = drop_repeated_sentences(
        [
            Paragraph(text=said),
            Paragraph(text="十是加强与政府的协调，我局与政府建立了良好的协调机制，及时了解和"),
        ]
    )
    assert [p.text for p in kept] == [said] and [r.reason for r in removals] == ["repeated_sentence"]


def test_a_gap_said_again_goes_too() -> None:
    gap = "【待补充：本部分内容】"
    kept, _ = drop_repeated_sentences(
        [Paragraph(text=gap), Paragraph(text=gap), Paragraph(text=f"三是{gap}")]
    )
    assert [p.text for p in kept] == [gap]
