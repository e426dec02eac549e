"""Very long facts and thousands of facts: refused at parse time, with a message naming the limit
and the item, from every way facts come in (mapping, YAML file, pasted text, the UI's table, the
CLI), before any model is asked. A sheet at the limit still plans and drafts offline
(scripts/bench_facts_limits.py measures how long it takes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from drafting.cli.main import main
from drafting.facts.files import parse_facts_file
from drafting.facts.limits import DEFAULT_FACT_LIMITS, FactLimits
from drafting.facts.sheet import FactsError, facts_to_mapping, parse_facts_mapping
from drafting.facts.table import FactTableError, rows_to_mapping
from drafting.facts.text_form import facts_to_text, parse_facts_text
from drafting.outlines.outline import load_outlines
from drafting.outlines.planning import plan_sections
from drafting.service.views import ServiceError
from drafting.settings import FactsSettings, Settings
from drafting.writing.stub_llm import StubLLM

REPO = Path(__file__).resolve().parents[3]
HEADER = {"kind": "half-year", "org": "云溪区委组织部", "period": "2026年上半年"}


def sheet_data(count: int, length: int = 30) -> dict:
    """``count`` work facts in areas of 50, each ``length`` characters or more.

    Area names carry no digits: pasted text reads "工作方面1：" as a fact, not as an area line."""
    work = []
    for a in range(0, count, 50):
        facts = [
            (f"开展第{k}项专题工作，覆盖{k * 3}个村社区" + "扎实推进" * length)[: max(length, 20)]
            for k in range(a, min(a + 50, count))
        ]
        work.append(
            {"area": "工作方面" + "甲乙丙丁戊己庚辛壬癸"[a // 50 % 10] + "子丑寅卯"[a // 500], "facts": facts}
        )
    return {**HEADER, "parts": {"work": work}}


def test_the_settings_and_the_code_defaults_agree() -> None:
    assert dataclasses.asdict(DEFAULT_FACT_LIMITS) == FactsSettings().model_dump()


def test_limits_come_from_the_environment_and_the_toml_file(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "drafter.toml"
    config.write_text("[facts]\nmax_fact_chars = 80\n", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(config))
    monkeypatch.setenv("DRAFTER_FACTS__MAX_FACTS", "12")
    assert Settings().facts.max_facts == 12 and Settings().facts.max_fact_chars == 80


def test_a_sheet_at_the_limit_parses_and_plans() -> None:
    limit = DEFAULT_FACT_LIMITS.max_facts
    sheet = parse_facts_mapping(sheet_data(limit))
    assert len(sheet.all_facts()) == limit
    # Round trips through both written forms stay within the limits too.
    assert parse_facts_text(facts_to_text(sheet)) == sheet == parse_facts_mapping(facts_to_mapping(sheet))
    specs = plan_sections(load_outlines(REPO / "prompts" / "outlines")["half-year"], sheet)
    assert sum(len(s.facts) for s in specs) == limit


def test_one_fact_too_many_is_refused_naming_the_limit() -> None:
    limit = DEFAULT_FACT_LIMITS.max_facts
    with pytest.raises(FactsError) as caught:
        parse_facts_mapping(sheet_data(limit + 1))
    assert str(caught.value) == (
        f"事实过多：共 {limit + 1} 条，上限为 {limit} 条（设置 facts.max_facts）。请合并相近的事实，或分成几份材料分别起草"
    )


def test_too_many_facts_are_refused_before_any_is_read() -> None:
    # 100,000 entries that are all wrong: one problem (their number), not 100,000 messages.
    data = {**HEADER, "parts": {"work": [{"facts": list(range(100_000))}]}}
    with pytest.raises(FactsError) as caught:
        parse_facts_mapping(data)
    assert caught.value.problems == [
        "事实过多：共 100000 条，上限为 1000 条（设置 facts.max_facts）。请合并相近的事实，或分成几份材料分别起草"
    ]


def test_a_long_fact_in_a_file_is_named_by_its_field(tmp_path: Path) -> None:
    data = sheet_data(3)
    data["parts"]["work"][0]["facts"][1] = "举办科级干部培训班3期" + "并" * 600
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactsError) as caught:
        parse_facts_file(path)
    assert str(caught.value) == (
        "facts.yaml: parts.work[0].facts[1]: 这条事实有 611 字，超过上限 500 字（设置 facts.max_fact_chars）："
        "“举办科级干部培训班3期并并并并并并并并并……”。请拆成几条事实"
    )


def test_all_facts_together_may_not_exceed_the_text_limit() -> None:
    limits = FactLimits(max_text_chars=1_000)
    with pytest.raises(
        FactsError, match=r"parts: 全部事实过长：共 1500 字，上限为 1000 字（设置 facts.max_text_chars）"
    ):
        parse_facts_mapping(sheet_data(50, length=30), limits=limits)


def test_pasted_text_names_the_line_and_checks_its_length_first() -> None:
    text = (
        "提纲：half-year\n单位：某局\n时期：2026年上半年\n【工作】\n干部教育：举办培训班3期\n干部教育："
        + "很" * 501
    )
    with pytest.raises(FactsError) as caught:
        parse_facts_text(text)
    assert caught.value.problems[0].startswith("第6行：这条事实有 501 字，超过上限 500 字")
    with pytest.raises(
        FactsError, match=r"^文字过长：共 200001 字，上限为 200000 字（设置 facts.max_text_chars）$"
    ):
        parse_facts_text("x" * 200_001)
    lines = "\n".join(f"举办培训班{k}期" for k in range(1_001))
    with pytest.raises(FactsError, match=r"共 1001 条，上限为 1000 条"):
        parse_facts_text(lines, kind="half-year", org="某局", period="2026年上半年")


def test_the_facts_table_names_the_row_and_refuses_too_many_rows() -> None:
    rows = [["工作", "干部教育", "举办培训班3期"], ["", "", ""], ["工作", "干部教育", "办" * 501]]
    with pytest.raises(FactTableError, match=r"第 3 行“事实”列：这条事实有 501 字，超过上限 500 字"):
        rows_to_mapping(rows, **HEADER, next_period=None)
    many = [["工作", f"方面{k}", f"举办培训班{k}期"] for k in range(20_000)]
    with pytest.raises(FactTableError, match=r"共 20000 条，上限为 1000 条"):
        rows_to_mapping(many, **HEADER, next_period=None)


def test_the_service_uses_the_settings_limits(tmp_path: Path, monkeypatch) -> None:
    from drafting.service.facade import build_service

    monkeypatch.setenv("DRAFTER_FACTS__MAX_FACTS", "2")
    service = build_service(Settings())
    rows = [["工作", "", f"举办培训班{k}期"] for k in range(3)]
    with pytest.raises(ServiceError, match=r"共 3 条，上限为 2 条（设置 facts.max_facts）"):
        service.drafts.facts_from_rows(rows, **HEADER, next_period=None)
    with pytest.raises(ServiceError, match=r"共 3 条，上限为 2 条"):
        service.drafts.parse_facts_text("甲\n乙\n丙", **HEADER, next_period=None)


def test_the_cli_refuses_without_asking_the_model(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(sheet_data(1_001), allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with StubLLM() as stub:
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        code = main(["draft", "--facts", str(path), "--no-retrieval"])
        requests = stub.chat_requests
    err = capsys.readouterr().err
    assert code == 1 and requests == []
    assert "many.yaml: 事实过多：共 1001 条，上限为 1000 条（设置 facts.max_facts）" in err
