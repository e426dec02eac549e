"""Active versions: validation before publishing, publish and roll back with who and when,
drafts recording the version they used."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.prompt_lab.runner import load_case_groups
from drafting.prompt_lab.validation import validate_template
from drafting.settings import Settings
from drafting.store.drafts import DraftStore
from drafting.writing.active_versions import ActiveVersions, PublishError, active_template_version
from drafting.writing.pipeline import build_pipeline
from drafting.writing.stub_llm import StubLLM
from drafting.writing.templates import prompt_library

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "corpus" / "eval" / "drafting_cases"


def test_publish_and_roll_back_record_who_and_when(tmp_path: Path) -> None:
    store = ActiveVersions(tmp_path / "a.sqlite3")
    assert store.published("template", "section") is None
    store.publish("template", "section", "v2", "王芳")
    store.publish("template", "section", "v3", "李明")
    with pytest.raises(PublishError):
        store.publish("template", "section", "v3", "李明")
    back = store.rollback("template", "section", "李明")
    assert back.version == "v2" and store.published("template", "section") == "v2"
    with pytest.raises(PublishError):
        store.rollback("template", "section", "李明")
    history = store.history("template", "section")
    assert [(h.action, h.version, h.who) for h in history] == [
        ("publish", "v2", "王芳"),
        ("publish", "v3", "李明"),
        ("rollback", "v2", "李明"),
    ]
    assert all(h.at for h in history)


def test_shipped_versions_validate_on_every_case(settings: Settings) -> None:
    cases = load_case_groups(CASES, "all")
    for version in ("v1", "v2"):
        report = validate_template(prompt_library(settings), "section", version, cases, settings)
        assert report.ok, report.summary()
        assert report.prompts_rendered > 100


def _save(
    settings: Settings, version: str, body_change: tuple[str, str], drop_decl: str | None = None
) -> None:
    source = (settings.templates_dir / "section" / "v1.md").read_text(encoding="utf-8")
    source = source.replace("version: v1", f"version: {version}").replace(*body_change)
    if drop_decl:
        source = "\n".join(
            line for line in source.split("\n") if not line.strip().startswith(f"- {drop_decl} ")
        )
    folder = settings.saved_templates_dir / "section"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}.md").write_text(source, encoding="utf-8")


def test_validation_names_unused_variables_and_context_overflow(settings: Settings) -> None:
    cases = load_case_groups(CASES, "dev")
    _save(
        settings, "v8", ("{% if area %}\n本节所写方面：{{ area }}\n{% endif %}\n", "")
    )  # declared, never read
    report = validate_template(prompt_library(settings), "section", "v8", cases, settings)
    assert not report.ok and any("没有用到的变量：area" in p for p in report.problems)
    small = settings.model_copy(update={"llm": settings.llm.model_copy(update={"context_tokens": 2000})})
    report = validate_template(prompt_library(small), "section", "v1", cases, small)
    assert not report.ok and any("超出上下文 2000" in p for p in report.problems)


def test_cli_refuses_to_publish_a_broken_version_and_drafts_use_the_active_one(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _save(settings, "v9", ("{{ org }}", "{{ organisation }}"))  # a variable the pipeline never gives
    assert main(["prompts", "publish", "section@v9", "--by", "王芳"]) == 1
    assert "不能发布" in capsys.readouterr().out
    library = prompt_library(settings)
    # Not published, so the web-saved v9 is not what drafts use.
    assert active_template_version(settings, library, "section") == "v1"

    assert main(["prompts", "publish", "section@v2", "--by", "王芳"]) == 0
    sheet = load_case_groups(CASES, "dev")[0].case.sheet
    with StubLLM() as stub:
        chat_settings = Settings(llm={"base_url": stub.base_url, "model": "stub-model"})
        draft = build_pipeline(chat_settings, store=DraftStore(settings.drafts_db_path)).run(sheet)
        prompts = [r.messages[0]["content"] for r in stub.chat_requests]
    assert draft.id is not None
    record = DraftStore(settings.drafts_db_path).get_version(draft.id).record
    assert record.template_version == "v2" and all("自查" in p for p in prompts)

    assert main(["prompts", "rollback", "section", "--by", "李明"]) == 2  # nothing earlier was published
    assert "没有更早发布的版本" in capsys.readouterr().err
    assert main(["prompts", "active"]) == 0
    assert "王芳 发布 v2" in capsys.readouterr().out
