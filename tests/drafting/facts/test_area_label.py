"""An area's label with notes (drafting/facts/area_label.py), shared by pasted text and the facts table."""

from __future__ import annotations

import pytest

from drafting.facts.area_label import AreaLabel, format_area_label, parse_area_label


@pytest.mark.parametrize(
    ("label", "parsed"),
    [
        ("粮食生产", AreaLabel("粮食生产")),
        ("疫情防控（突出“早”字）", AreaLabel("疫情防控", keyword="早")),
        ("粮食生产（小标题：稳住粮食生产基本盘）", AreaLabel("粮食生产", heading="稳住粮食生产基本盘")),
        ("农村改厕（回应：2）", AreaLabel("农村改厕", answers=("2",))),
        ("农村改厕（针对: 2、 户厕管护）", AreaLabel("农村改厕", answers=("2", "户厕管护"))),
        (
            "乡村产业（回应：1）（小标题：聚焦产业发展，促进增收）",
            AreaLabel("乡村产业", heading="聚焦产业发展，促进增收", answers=("1",)),
        ),
        ("干部教育（含培训）", AreaLabel("干部教育（含培训）")),  # not a note: part of the name
        ("（小标题：无名）", AreaLabel("（小标题：无名）")),  # a note without a name is left alone
    ],
)
def test_labels_parse_into_name_and_notes(label: str, parsed: AreaLabel) -> None:
    assert parse_area_label(label) == parsed


def test_format_reads_back() -> None:
    label = format_area_label("集体经济", "实", "发展壮大村级集体经济", ("2", "集体经济"))
    assert label == "集体经济（突出“实”字）（小标题：发展壮大村级集体经济）（回应：2、集体经济）"
    assert parse_area_label(label) == AreaLabel("集体经济", "实", "发展壮大村级集体经济", ("2", "集体经济"))
