"""Prompt templates from the web: reading is open, saving is for maintainers and never lands a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_fixtures import make_service

from drafting.service.facade import ServiceError
from drafting.service.prompts import with_front_matter_version

# ---------------------------------------------------------------- prompt templates


def _prompts_copy(settings, tmp_path: Path) -> Path:
    """A copy of prompts/ as the source tree, so a regression cannot write into the real one."""
    import shutil

    copy = tmp_path / "source" / "prompts"
    shutil.copytree(settings.prompts_dir, copy)
    settings.prompts_dir = copy
    return copy


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


def test_only_maintainers_save_prompts_and_bad_ones_never_land(settings, tmp_path) -> None:
    _prompts_copy(settings, tmp_path)
    service = make_service(settings, tmp_path, kb=lambda: None)
    name = next(iter(service.prompts.prompt_templates("w1")))
    versions = service.prompts.prompt_templates("w1")[name]
    source = service.prompts.prompt_source("w1", name)
    with pytest.raises(ServiceError, match="修改提示词"):
        service.prompts.save_prompt("w1", name, source)
    new = service.prompts.save_prompt("m1", name, source + "\n")
    assert new == f"v{len(versions) + 1}" and service.prompts.prompt_templates("m1")[name][-1] == new
    with pytest.raises(ServiceError):
        service.prompts.save_prompt("m1", name, source + "\n{{ not_declared_anywhere }}\n")
    assert service.prompts.prompt_templates("m1")[name][-1] == new
    assert not list((settings.saved_templates_dir / name).glob(".*"))  # no staging file left behind


def test_a_saved_prompt_goes_under_home_and_the_pipeline_uses_it(settings, tmp_path, sheet) -> None:
    from drafting.writing.pipeline import build_pipeline

    prompts = _prompts_copy(settings, tmp_path)
    before = _snapshot(prompts)
    service = make_service(settings, tmp_path, kb=lambda: None)
    source = service.prompts.prompt_source("m1", "section")
    edited = source.replace("## system\n", "## system\n【网页保存的测试版本】\n", 1)
    assert edited != source

    new = service.prompts.save_prompt("m1", "section", edited)

    assert _snapshot(prompts) == before  # the source tree is byte-for-byte what it was
    saved = settings.home / "prompts" / "templates" / "section" / f"{new}.md"
    assert saved.is_file() and "【网页保存的测试版本】" in saved.read_text(encoding="utf-8")
    listing = service.prompts.prompt_versions("w1", "section")
    assert listing[-1].version == new and [v.saved for v in listing] == [False] * (len(listing) - 1) + [True]
    assert listing[-1].path == saved and listing[-2].path.is_relative_to(prompts)
    assert "【网页保存的测试版本】" in service.prompts.prompt_source("w1", "section", new)
    assert service.prompts.prompt_source("w1", "section", listing[-2].version) == source

    # A pipeline built from the same settings (as `drafter draft` builds it) keeps drafting with the
    # active version until the saved one is published; then it drafts with the saved one.
    pipeline = build_pipeline(settings, chat=None, store=None)
    outline, specs = pipeline.plan(sheet)
    messages, version = pipeline.build_prompt(specs[0], sheet, outline, [])
    assert version == "v1" and "【网页保存的测试版本】" not in messages[0]["content"]
    service.prompt_lab.publish("m1", "section", new)
    pipeline = build_pipeline(settings, chat=None, store=None)
    messages, version = pipeline.build_prompt(specs[0], sheet, outline, [])
    assert version == new and "【网页保存的测试版本】" in messages[0]["content"]


def test_saved_versions_number_on_across_prompts_and_home(settings, tmp_path, caplog) -> None:
    prompts = _prompts_copy(settings, tmp_path)
    for later in (prompts / "templates" / "section").glob("v*.md"):
        if later.name != "v1.md":  # numbering below starts from a source tree holding v1 only
            later.unlink()
    service = make_service(settings, tmp_path, kb=lambda: None)
    source = service.prompts.prompt_source("m1", "section", "v1")
    assert service.prompts.save_prompt("m1", "section", source) == "v2"
    # A maintainer commits v3 by hand: the next save goes above it, into the data directory.
    committed = with_front_matter_version(source, "v3").replace("## system\n", "## system\n提交的v3\n", 1)
    (prompts / "templates" / "section" / "v3.md").write_text(committed, encoding="utf-8")
    assert service.prompts.save_prompt("m1", "section", source) == "v4"
    assert [(v.version, v.saved) for v in service.prompts.prompt_versions("m1", "section")] == [
        ("v1", False),
        ("v2", True),
        ("v3", False),
        ("v4", True),
    ]
    # Then the maintainer commits the saved v4 under the same number, edited: prompts/ wins, with a warning.
    promoted = committed.replace("version: v3", "version: v4").replace("提交的v3", "提交的v4")
    (prompts / "templates" / "section" / "v4.md").write_text(promoted, encoding="utf-8")
    with caplog.at_level("WARNING", logger="drafting.writing.templates"):
        listing = service.prompts.prompt_versions("m1", "section")
        assert "提交的v4" in service.prompts.prompt_source("m1", "section")
    assert (listing[-1].version, listing[-1].saved) == ("v4", False)
    assert listing[-1].path == prompts / "templates" / "section" / "v4.md"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(settings.saved_templates_dir / "section" / "v4.md") in warnings[0]
    assert service.prompts.save_prompt("m1", "section", source) == "v5"


def test_front_matter_version_is_rewritten() -> None:
    text = "---\ndescription: x\nversion: v1\nvariables: []\n---\n## user\nhi\n"
    assert with_front_matter_version(text, "v7").startswith("---\nversion: v7\ndescription: x\n")
    with pytest.raises(ServiceError, match="YAML"):
        with_front_matter_version("no front matter", "v2")
