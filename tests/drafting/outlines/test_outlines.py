from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from drafting.outlines.outline import (
    OutlineError,
    fill_pattern,
    get_outline,
    load_outline_file,
    load_outlines,
    pattern_slots,
)

REPO = Path(__file__).resolve().parents[3]
OUTLINES = REPO / "prompts" / "outlines"


def _half_year() -> dict:
    return yaml.safe_load((OUTLINES / "half-year.yaml").read_text(encoding="utf-8"))


def _write(directory: Path, name: str, data: dict | str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_outlines_load_with_all_parts() -> None:
    outlines = load_outlines(OUTLINES)
    assert set(outlines) == {"half-year", "year-end", "quarterly", "speech"}
    for outline in outlines.values():
        assert [p.part for p in outline.parts] == ["opening", "work", "problems", "plans", "closing"]
        assert all(p.must_contain and p.length[0] <= p.length[1] for p in outline.parts)
    assert outlines["half-year"].title_pattern == "{org}{period}工作总结和{next_period_short}工作计划"
    assert outlines["quarterly"].addressee is True
    assert outlines["quarterly"].parts[1].area_numbering == "突出一个"
    assert outlines["speech"].greeting == "同志们："
    assert outlines["year-end"].parts[1].heading == "{period}工作开展情况"


def test_get_outline_names_the_available_ones_for_an_unknown_name() -> None:
    assert get_outline(OUTLINES, "speech").label == "工作会议讲话稿"
    with pytest.raises(OutlineError) as caught:
        get_outline(OUTLINES, "monthly")
    message = str(caught.value)
    assert "monthly" in message
    assert all(name in message for name in ("half-year", "year-end", "quarterly", "speech"))


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "broken.yaml", "name: x\nlabel: [unclosed\nparts: 3\n")
    with pytest.raises(OutlineError) as caught:
        load_outlines(tmp_path)
    assert "broken.yaml" in str(caught.value)
    assert "行" in str(caught.value) and "YAML" in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["parts"][1].update(area_numbering="(1)"), "parts[1].area_numbering"),
        (lambda d: d["parts"][0].update(length=[300, 100]), "parts[0].length"),
        (lambda d: d["parts"][2].update(part="summary"), "parts[2].part"),
        (lambda d: d["parts"][1].update(numbered="yes"), "parts[1].numbered"),
        (lambda d: d.update(title_pattern="{org}{year}总结"), "title_pattern"),
        (lambda d: d.pop("label"), "label"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d.update(parts=[]), "parts"),
        (
            lambda d: d["parts"][1]["connectives"].update(area_lead=["在{area方面，"]),
            "parts[1].connectives.area_lead[0]",
        ),
        (
            lambda d: d["parts"][1]["connectives"].update(transition=["此外，"]),
            "parts[1].connectives.transition",
        ),
        (lambda d: d["parts"].append(dict(d["parts"][4])), "parts[5].part"),
    ],
)
def test_invalid_outline_names_file_and_field(tmp_path: Path, edit, field: str) -> None:
    data = _half_year()
    edit(data)
    _write(tmp_path, "custom.yaml", data)
    with pytest.raises(OutlineError) as caught:
        load_outlines(tmp_path)
    assert any(p.startswith(f"custom.yaml: {field}") for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("{period}，{org}举办培训班3期。", "数字"),
        ("{period}，{org}共完成三项重点任务。", "数字"),
        ("在市委组织部的坚强领导下，", "单位名称"),
        ("坚持“{area}”和“四下基层”相结合，", "引号"),
    ],
)
def test_standard_sentences_may_not_carry_facts(tmp_path: Path, sentence: str, reason: str) -> None:
    data = _half_year()
    data["parts"][0]["connectives"]["lead"] = [sentence]
    _write(tmp_path, "custom.yaml", data)
    with pytest.raises(OutlineError) as caught:
        load_outline_file(tmp_path / "custom.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("custom.yaml: parts[0].connectives.lead[0]") and reason in problem


def test_generic_bodies_and_slot_quotes_are_allowed_in_standard_sentences(tmp_path: Path) -> None:
    data = _half_year()
    data["parts"][1]["connectives"]["area_heading"] = ["突出一个“{keyword}”字，{area}"]
    data["parts"][0]["connectives"]["lead"] = [
        "{period}，{org}在上级党委和区委的坚强领导下，进一步做好各项工作。"
    ]
    _write(tmp_path, "custom.yaml", data)
    outline = load_outline_file(tmp_path / "custom.yaml")
    assert outline.parts[1].connectives["area_heading"] == ["突出一个“{keyword}”字，{area}"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = _half_year()
    data["parts"][0]["length"] = "short"
    data["parts"][3]["area_numbering"] = "A."
    data.pop("name")
    _write(tmp_path, "many.yaml", data)
    with pytest.raises(OutlineError) as caught:
        load_outlines(tmp_path)
    assert len(caught.value.problems) == 3


def test_duplicate_names_and_empty_directories_are_errors(tmp_path: Path) -> None:
    _write(tmp_path / "a", "one.yaml", _half_year())
    _write(tmp_path / "a", "two.yaml", _half_year())
    with pytest.raises(OutlineError, match="two.yaml: name"):
        load_outlines(tmp_path / "a")
    (tmp_path / "empty").mkdir()
    with pytest.raises(OutlineError, match="没有 .yaml"):
        load_outlines(tmp_path / "empty")
    with pytest.raises(OutlineError, match="不存在"):
        load_outlines(tmp_path / "absent")


def test_not_a_mapping_and_wrong_encoding(tmp_path: Path) -> None:
    _write(tmp_path, "list.yaml", "- a\n- b\n")
    (tmp_path / "gbk.yaml").write_bytes("name: 半年\n".encode("gb18030"))
    with pytest.raises(OutlineError) as caught:
        load_outlines(tmp_path)
    text = str(caught.value)
    assert "list.yaml: （整个文件）: 应为键值表" in text and "gbk.yaml: 无法读取" in text


def test_patterns_fill_only_when_every_slot_has_a_value() -> None:
    assert pattern_slots("{org}{period}工作总结") == {"org", "period"}
    assert fill_pattern("在{area}方面，", {"area": "人才工作"}) == "在人才工作方面，"
    assert fill_pattern("聚焦{areas}等重点任务", {"areas": None}) is None
    assert fill_pattern("{org}{", {"org": "x"}) is None


def test_outlines_are_parsed_once_and_an_edit_is_seen_at_the_next_call(tmp_path: Path, monkeypatch) -> None:
    import drafting.outlines.outline as outline_module

    path = _write(tmp_path / "outlines", "half-year.yaml", _half_year())
    parsed = []
    real = outline_module.load_outline_file
    monkeypatch.setattr(outline_module, "load_outline_file", lambda p: parsed.append(p) or real(p))

    first = load_outlines(tmp_path / "outlines")
    assert load_outlines(tmp_path / "outlines") == first and len(parsed) == 1  # the second from memory
    first["half-year"] = None  # a caller's copy: the cached outlines stay whole
    assert get_outline(tmp_path / "outlines", "half-year") is not None and len(parsed) == 1

    data = _half_year()
    data["label"] = "上半年工作总结（改）"
    _write(tmp_path / "outlines", "half-year.yaml", data)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # a later save
    assert get_outline(tmp_path / "outlines", "half-year").label == "上半年工作总结（改）"
    assert len(parsed) == 2
    _write(tmp_path / "outlines", "half-year.yaml", "name: x\nlabel: [unclosed\n")  # broken by an edit
    with pytest.raises(OutlineError, match="half-year.yaml"):
        load_outlines(tmp_path / "outlines")
