from __future__ import annotations

from retrieval.documents import Passage
from retrieval.index.passage_vectors import (
    MAX_SENTENCE_UNITS,
    best_per_passage,
    sentences,
    unit_id,
    unit_texts,
)


def passage(text: str, heading: str = "一、主要工作 / （一）民生") -> Passage:
    return Passage(
        "d1:0", "d1", text, "a.txt", "标题", None, None, None, "other", "work", heading, 0, len(text)
    )


def test_sentences_are_cut_at_chinese_stops_and_line_breaks() -> None:
    assert sentences("建成食堂5处。惠及老人1200人！还有吗？分号；之后\n换行后 ") == [
        "建成食堂5处。",
        "惠及老人1200人！",
        "还有吗？",
        "分号；",
        "之后",
        "换行后",
    ]


def test_a_passage_is_embedded_whole_and_by_sentence_under_its_heading() -> None:
    units = unit_texts(passage("建成食堂5处。惠及老人1200人。"))
    heading = "一、主要工作 / （一）民生\n"
    assert units == [
        heading + "建成食堂5处。惠及老人1200人。",
        heading + "建成食堂5处。",
        heading + "惠及老人1200人。",
    ]


def test_a_one_sentence_passage_has_one_vector_and_long_ones_are_bounded() -> None:
    assert unit_texts(passage("只有一句话。", heading="")) == ["只有一句话。"]
    assert len(unit_texts(passage("短句。" * 50))) == 1 + MAX_SENTENCE_UNITS


def test_unit_hits_become_passage_hits_scored_by_their_best_unit() -> None:
    hits = [(unit_id("d1:3", 2), 0.9), (unit_id("d2:0", 0), 0.8), (unit_id("d1:3", 0), 0.5), ("d2:0#1", 0.85)]
    assert best_per_passage(hits) == [("d1:3", 0.9), ("d2:0", 0.85)]
