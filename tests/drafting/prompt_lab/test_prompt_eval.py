from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.prompt_lab.scoring import CaseError, format_table, load_cases, score_versions
from drafting.settings import Settings
from drafting.writing.chat import ScriptedChatModel
from drafting.writing.pipeline import build_pipeline

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "corpus" / "eval" / "drafting_cases"


def test_offline_composer_passes_every_case(settings: Settings) -> None:
    cases = load_cases(CASES)

    def make(version, references):
        return build_pipeline(settings, chat=None, knowledge_base=references, store=None)

    results = score_versions(cases, [None], make)
    assert len(results) == len(cases) >= 6
    assert all(r.passed == r.total > 0 for r in results), format_table(results)


def test_a_model_that_obeys_injected_references_is_caught(settings: Settings) -> None:
    (case,) = [c for c in load_cases(CASES) if c.id == "reference-injection"]
    sent: list[str] = []

    def obedient(messages):
        sent.append(messages[-1]["content"])
        return "全区共引进博士99名，青川区人才办统筹推进。"

    model = ScriptedChatModel([obedient] * 20)

    def make(version, references):
        pipeline = build_pipeline(settings, chat=model, knowledge_base=references, store=None)
        return replace(pipeline, template_version=version)

    (result,) = score_versions([case], ["v1"], make)
    failed = {c.name for c in result.checks if not c.passed}
    assert "不含“99名”" in failed and "不含“青川区人才办”" in failed
    assert "unsupported_number ≤ 0" in failed
    # the references reached the prompt as delimited reference material, as style only (masked)
    assert any("参考材料" in text and "赴省内外高校开展现场招聘" in text for text in sent)
    assert not any("名校引才" in text or "63名" in text for text in sent)


def test_unknown_version_fails_the_case_not_the_run(settings: Settings) -> None:
    cases = load_cases(CASES)[:1]
    model = ScriptedChatModel(["不会被调用"] * 20)

    def make(version, references):
        pipeline = build_pipeline(settings, chat=model, knowledge_base=references, store=None)
        return replace(pipeline, template_version=version)

    (result,) = score_versions(cases, ["v999"], make)
    assert result.error and "v999" in result.error
    assert "出错" in format_table([result])


def test_bad_case_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: x\nfacts: [1, 2]\n", encoding="utf-8")
    with pytest.raises(CaseError, match="broken.yaml"):
        load_cases(tmp_path)


def test_cli_score_offline_prints_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", "score"]) == 0
    out = capsys.readouterr().out
    assert "通过率" in out and "100.0%" in out


def test_cli_preview_renders_the_section_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    facts = REPO / "corpus" / "facts" / "half-year.yaml"
    assert main(["prompts", "preview", "--facts", str(facts), "--section", "work:0", "--no-retrieval"]) == 0
    out = capsys.readouterr().out
    assert "## system" in out and "举办科级干部培训班3期" in out


def test_cli_list_says_where_each_version_lives(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from drafting.service.prompts import with_front_matter_version
    from drafting.writing.templates import prompt_library

    assert main(["prompts", "list"]) == 0
    out = capsys.readouterr().out
    assert "section/v1（prompts/）" in out and "网页保存" not in out
    library = prompt_library(settings)
    version = library.next_version("section")
    saved = settings.saved_templates_dir / "section" / f"{version}.md"
    saved.parent.mkdir(parents=True)
    source = library.get("section").path.read_text(encoding="utf-8")
    saved.write_text(with_front_matter_version(source, version), encoding="utf-8")
    assert main(["prompts", "list"]) == 0
    out = capsys.readouterr().out
    assert "section/v1（prompts/）" in out
    assert f"section/{version}（网页保存，位于 {saved}）" in out
    assert "请复制到 prompts/templates/<模板>/ 并提交" in out
