"""The prompt-template service: read any version, save an edit as the next one.

Anyone signed in may read templates; only prompt maintainers (and admins) may save.
Saved versions go under the data directory (settings.saved_templates_dir), never into prompts/:
a maintainer promotes a good one by copying it into prompts/templates/<name>/ and committing it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from drafting.service.access import AccessPolicy
from drafting.service.views import ServiceError, user_errors
from drafting.writing.templates import PromptLibrary, TemplateVersion


class PromptService:
    """Prompt-template actions: reading is open, saving is for maintainers."""

    def __init__(self, access: AccessPolicy, library: Callable[[], PromptLibrary]) -> None:
        self._access = access
        self._library = library

    @user_errors
    def prompt_templates(self, name: str | None) -> dict[str, list[str]]:
        """Template names with their versions (anyone signed in may read them)."""
        self._access.user(name)
        library = self._library()
        return {t: library.versions(t) for t in library.names()}

    @user_errors
    def template_purposes(self, name: str | None) -> dict[str, str]:
        """What each template is for, from its first version's ``description`` (anyone signed in).

        Later versions describe what changed ("同 v1，但……"); the first says what the template does.
        """
        self._access.user(name)
        library = self._library()
        return {t: library.get(t, library.listing(t)[0].version).description for t in library.names()}

    @user_errors
    def prompt_versions(self, name: str | None, template: str) -> list[TemplateVersion]:
        """The versions of one template, oldest first, each with the file it is read from.

        ``saved`` marks a version saved from the web UI (under the data directory) rather than
        shipped in prompts/, so a maintainer knows it still has to be copied there and committed.
        """
        self._access.user(name)
        return self._library().listing(template)

    @user_errors
    def prompt_source(self, name: str | None, template: str, version: str | None = None) -> str:
        self._access.user(name)
        return self._library().get(template, version).path.read_text(encoding="utf-8-sig")

    @user_errors
    def save_prompt(self, name: str | None, template: str, source: str) -> str:
        """Save an edited template as its next version (maintainers only); checked before it counts."""
        self._access.require(name, "edit_prompts")
        library = self._library()
        if library.saved_directory is None:
            raise ServiceError("这个提示词库没有网页保存目录，不能在网页上保存新版本。")
        version = library.next_version(template)
        text = with_front_matter_version(source, version)
        # Check the text in a scratch library first: a template that does not load must never
        # become the latest version the pipeline picks up.
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / template).mkdir()
            (Path(scratch) / template / f"{version}.md").write_text(text, encoding="utf-8")
            PromptLibrary(Path(scratch)).get(template, version)
        folder = library.saved_directory / template
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{version}.md"
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
