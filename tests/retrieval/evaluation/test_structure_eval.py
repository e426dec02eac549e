from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.cli.main import main
from retrieval.evaluation.structure_eval import evaluate_structure, format_structure, load_labels

DEV = Path(__file__).resolve().parents[3] / "corpus" / "eval" / "structure" / "dev"

# A small as-collected file whose outcome we know line by line: the ad block and the tail go, the
# title is found under them; "下一步，…" opens plans although it sits under the problems heading.
REPORT = [
    "范文网　每日更新",
    "会员群：　　　免费QQ群：",
    "石桥镇2025年第二季度工作汇报",
    "二季度，石桥镇坚持以项目建设为抓手，统筹推进经济发展和社会事业，各项工作稳步推进。",
    "一、主要工作",
    "完成固定资产投资1.2亿元，新建农村公路8公里，改造危房21户，群众满意度持续提升。",
    "二、存在问题",
    "镇级财力紧张，部分项目配套资金不能及时到位，影响了工程进度。",
    "下一步，全镇将重点抓好以下工作：一是加快项目建设进度；二是做好防汛准备工作。",
    "更多范文请访问范文网，下载完整版请加会员",
]


def _write_half(folder: Path, labels: str) -> Path:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "x1.txt").write_text("\n".join(REPORT) + "\n", encoding="gb18030")
    (folder / "labels.yaml").write_text(labels, encoding="utf-8")
    return folder


LABELS = """
- file: x1.txt
  title: 石桥镇2025年第二季度工作汇报
  kind: quarterly
  year: 2025
  period: 2025年第二季度
  org: 石桥镇
  noise: ["范文网　每日更新", "会员群：　　　免费QQ群：", "更多范文请访问范文网，下载完整版请加会员"]
  paragraphs:
    - {text: 二季度，石桥镇坚持以项目建设为抓手，统筹, part: opening}
    - {text: 一、主要工作, part: work}
    - {text: 完成固定资产投资1.2亿元，新建农村公路, part: work}
    - {text: 二、存在问题, part: problems}
    - {text: 镇级财力紧张，部分项目配套资金不能及时, part: problems}
    - {text: 下一步，全镇将重点抓好以下工作：一是加快, part: plans}
"""


def test_a_well_parsed_half_scores_full_marks(tmp_path: Path) -> None:
    result = evaluate_structure(_write_half(tmp_path / "half", LABELS), "t")
    totals = result.totals()
    assert totals["titles"] == totals["all"] == 1
    assert totals["noise_left"] == totals["lines_lost"] == 0
    assert totals["passages"] == totals["passages_right"] > 0


def test_wrong_labels_are_counted_as_errors(tmp_path: Path) -> None:
    # The same file scored against labels that disagree: each disagreement must show in the figures.
    labels = (
        LABELS.replace("org: 石桥镇", "org: 石桥镇人民政府")
        .replace("part: plans", "part: closing")
        .replace(
            '"更多范文',
            '"二季度，石桥镇坚持以项目建设为抓手，统筹推进经济发展和社会事业，各项工作稳步推进。", "更多范文',
        )
        .replace(
            "{text: 一、主要工作, part: work}",
            "{text: 一、主要工作, part: work}\n    - {text: 这一行不在文中, part: work}",
        )
    )
    result = evaluate_structure(_write_half(tmp_path / "half", labels), "t")
    totals = result.totals()
    assert totals["org"] == 0 and totals["kind"] == 1 and totals["all"] == 0
    assert totals["passages"] - totals["passages_right"] == 1  # the plans passage
    assert totals["noise_left"] == 1 and totals["lines_lost"] == 1
    report = format_structure(result)
    assert "丢失：这一行不在文中" in report and "得到 plans，应为 closing" in report


def test_a_file_that_cannot_be_read_loses_all_its_lines(tmp_path: Path) -> None:
    folder = _write_half(tmp_path / "half", LABELS)
    (folder / "docs" / "x1.txt").write_bytes(b"")
    totals = evaluate_structure(folder).totals()
    assert totals["titles"] == 0 and totals["lines_lost"] == totals["real_lines"] == 7


def test_malformed_label_entries_are_reported_not_scored(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(
        "- file: a.txt\n  title: t\n  kind: other\n  paragraphs: [{text: x, part: middle}]\n- 3\n", "utf-8"
    )
    labels, problems = load_labels(path)
    assert labels == [] and len(problems) == 2


def test_dev_half_figures() -> None:
    """The measured figures of the dev half (README); a change in cleaning or structure that moves
    any of them must update this test and the README together."""
    result = evaluate_structure(DEV, "dev")
    assert result.label_errors == []
    assert result.totals() == {
        "documents": 11,
        "titles": 11,
        "kind": 11,
        "year": 11,
        "period": 11,
        "org": 11,
        "all": 11,
        "passages": 82,
        "passages_right": 82,
        "noise_lines": 66,
        "noise_left": 0,
        "real_lines": 147,
        "lines_lost": 0,
    }


def test_cli_prints_each_half_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write_half(tmp_path / "half", LABELS)
    assert main(["eval", "structure", "--set", str(folder), "--set", "dev", "--brief"]) == 0
    out = capsys.readouterr().out
    assert "结构评测 half：1 份" in out and "结构评测 dev：11 份（corpus/eval/structure/dev）" in out
    assert main(["eval", "structure", "--set", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["totals"]["titles"] == 1
    assert main(["eval", "structure", "--set", str(tmp_path / "nowhere")]) == 2
