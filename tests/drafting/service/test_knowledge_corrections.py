"""Corrections and attention through the knowledge service: who may correct, and what they see."""

from __future__ import annotations

import pytest
from service_fixtures import REPORTS

from drafting.service.facade import DraftingService, ServiceError


def test_correct_move_and_attention(kb_service: DraftingService) -> None:
    name = "2025Q2-石门镇党委-情况汇报.txt"
    kb_service.knowledge.ingest("w1", [(name, REPORTS / name)])
    doc = kb_service.knowledge.documents("w1")[0]
    assert doc.id not in kb_service.knowledge.attention("r1")
    record = kb_service.knowledge.correct_document("w1", doc.id, kind="other", period=None)
    assert (record.kind, record.period) == ("other", None)
    reasons = kb_service.knowledge.attention("r1")[doc.id]
    assert "未识别出类型" in reasons and "未识别出期间" in reasons
    passages = kb_service.knowledge.passages("r1", doc.id)
    assert passages and all(p.text for p in passages)
    moved = kb_service.knowledge.move_to_part("w1", doc.id, "closing", passage_ids=[passages[0].id])
    assert moved == [passages[0].id]
    assert kb_service.knowledge.passages("r1", doc.id)[0].part == "closing"
    with pytest.raises(ServiceError, match="部分"):
        kb_service.knowledge.move_to_part("w1", doc.id, "middle", passage_ids=[passages[0].id])
    with pytest.raises(ServiceError, match="类型"):
        kb_service.knowledge.correct_document("w1", doc.id, kind="weekly")


def test_correcting_needs_the_right_to_add_documents(kb_service: DraftingService) -> None:
    name = "2025Q2-石门镇党委-情况汇报.txt"
    kb_service.knowledge.ingest("w1", [(name, REPORTS / name)])
    doc = kb_service.knowledge.documents("w1")[0]
    with pytest.raises(ServiceError):
        kb_service.knowledge.correct_document("nobody", doc.id, title="x")
