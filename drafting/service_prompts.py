"""The prompt-template actions of the service: read any version, save an edit as the next one.

A mixin of DraftingService (drafting/service.py); only prompt maintainers (and admins) may save.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from drafting.service_access import DraftAccess
from drafting.settings import Settings
from drafting.templates import PromptLibrary
from drafting.views import ServiceError, user_errors


class PromptActions(DraftAccess):
    """Prompt-template actions of DraftingService: reading is open, saving is for maintainers."""

    settings: Settings
    prompts: Any

    # ------------------------------------------------------------ prompt templates

    @user_errors
    def prompt_templates(self, name: str | None) -> dict[str, list[str]]:
        """Template names with their versions (anyone signed in may read them)."""
        self.user(name)
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        return {t: library.versions(t) for t in library.names()}

    @user_errors
    def prompt_source(self, name: str | None, template: str, version: str | None = None) -> str:
        self.user(name)
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        return library.get(template, version).path.read_text(encoding="utf-8-sig")

    @user_errors
    def save_prompt(self, name: str | None, template: str, source: str) -> str:
        """Save an edited template as its next version (maintainers only); checked before it counts."""
        self.users.require(name, "edit_prompts")
        library = self.prompts or PromptLibrary(self.settings.templates_dir)
        existing = library.versions(template)
        version = f"v{max(int(v[1:]) for v in existing) + 1}"
        text = with_front_matter_version(source, version)
        # Check the text in a scratch library first: a template that does not load must never
        # become the latest version the pipeline picks up.
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / template).mkdir()
            (Path(scratch) / template / f"{version}.md").write_text(text, encoding="utf-8")
            PromptLibrary(Path(scratch)).get(template, version)
        target = library.directory / template / f"{version}.md"
        staging = target.with_name(f".{version}.md.saving")
        staging.write_text(text, encoding="utf-8")
        staging.replace(target)  # atomic: readers see the old set of versions or the new one
        return version


def with_front_matter_version(source: str, version: str) -> str:
    """The template text with its front-matter ``version:`` set to ``version`` (added if missing)."""
    text = (source or "").replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---" not in text[4:]:
        raise ServiceError("模板开头应为 YAML 文件头（以 --- 开始和结束的几行）。")
    end = text.index("\n---", 4)
    head, rest = text[4:end], text[end:]
    lines = [line for line in head.split("\n") if not line.startswith("version:")]
    return "---\n" + "\n".join([f"version: {version}", *lines]) + rest
