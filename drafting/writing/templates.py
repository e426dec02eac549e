"""Versioned prompt templates, rendered strictly.

A template is prompts/templates/<name>/<version>.md: YAML front matter between "---" lines
(description, version, variables) and a jinja2 body split into chat messages by lines that are
exactly "## system", "## user" or "## assistant". A variable the body uses but the caller did not
give is an error naming it (never an empty string); extra variables are fine. Front matter must
declare every variable the body uses, so a maintainer sees the template's inputs at a glance.

Versions saved from the web UI go to a second folder under the data directory with the same layout
(DRAFTER_HOME/prompts/templates/<name>/<version>.md), never into the source tree; the library reads
both as one set of versions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.meta
import yaml

if TYPE_CHECKING:
    from drafting.settings import Settings

log = logging.getLogger(__name__)

_ROLE_LINE = re.compile(r"^##[ \t]*(system|user|assistant)[ \t]*$", re.MULTILINE)
_VERSION = re.compile(r"^v(\d+)$")
# Past reports are quoted inside <参考材料 …> … </参考材料>; a passage must not be able to close
# the element early and smuggle text out as instructions, also not with a full-width or spaced "<".
_TAG = re.compile(r"[<＜﹤〈]\s*[/／]?\s*参考材料")
# Chat-format control tokens (ChatML's <|im_start|>, <|im_end|>, <|endoftext|> …): llama.cpp's server
# tokenises the formatted prompt with special tokens parsed, so such text inside a message would
# really end it and open another role.
_CHAT_TOKEN = re.compile(r"<\|([^<>|\n]{0,40})\|>")
# Our prompts head their blocks with 【本节事实】, 【参考材料】 …; inside a quoted passage those
# brackets become 〖〗, so a passage cannot imitate the end of the block or a block of facts.
_BLOCK_BRACKETS = str.maketrans("【】", "〖〗")
# …and a line written like our fact lines ("- [work.0.1] …") loses its ASCII bracket, so it cannot
# pass for one of the writer's facts.
_FACT_ID_LINE = re.compile(r"^([ \t]*(?:[-*•·][ \t]*)?)\[(?=[A-Za-z_]+(?:\.\d+)+\])", re.MULTILINE)


class TemplateError(ValueError):
    """A template that cannot be loaded or rendered; the message names file and variable."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    description: str
    variables: tuple[str, ...]
    body: str
    path: Path


@dataclass(frozen=True)
class TemplateVersion:
    """One version of a template and the file it is read from."""

    name: str
    version: str
    path: Path
    # True: saved from the web UI under the data directory and not (yet) copied into prompts/.
    saved: bool


@dataclass(frozen=True)
class RenderedPrompt:
    """What goes to the chat model, plus what a reviewer needs to replay it."""

    name: str
    version: str
    messages: list[dict[str, str]]
    text: str  # the whole rendered body, role lines included
    variables: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def as_data(value: Any) -> Any:
    """What every ``{{ … }}`` prints (the environment's finalize): text that cannot change roles.

    Whatever a variable holds (a fact, a title, a previous answer, a past passage), a "## role"
    line in it starts no chat message and a chat control token in it is plain text. The template's
    own lines are not touched.
    """
    if not isinstance(value, str):
        return value
    value = _ROLE_LINE.sub(lambda m: m.group(0).replace("#", "＃"), value)
    return _CHAT_TOKEN.sub(lambda m: f"＜|{m.group(1)}|＞", value)


def as_reference(text: Any) -> str:
    """Jinja filter: a past report's text made safe to place inside a <参考材料> element.

    Beyond ``as_data``: the element's tags (also written with a full-width or spaced "<") and our
    block headings' 【】 brackets are defused, so a passage can neither end the element early nor
    pass itself off as another block of the prompt ("【参考材料结束】", "【本节事实】") or as a
    fact line.
    """
    text = _TAG.sub(lambda m: "＜" + m.group(0)[1:], str(text))
    text = _FACT_ID_LINE.sub(lambda m: m.group(1) + "［", text)
    return as_data(text.translate(_BLOCK_BRACKETS))


class PromptLibrary:
    """The templates under prompts/templates, plus the versions saved at run time.

    ``directory`` is the source tree's folder (settings.templates_dir), edited by hand and committed
    with git; ``saved`` (settings.saved_templates_dir) is where the web UI saves new versions. Both
    hold <name>/v<N>.md and read as one set, ordered by number. When both hold the same number, a
    maintainer has since committed that number to prompts/: the source tree's file wins and a
    warning is logged.
    """

    def __init__(self, directory: Path, saved: Path | None = None) -> None:
        self.directory = Path(directory)
        self.saved_directory = Path(saved) if saved is not None else None
        self._shadowed_warned: set[Path] = set()
        self._env = jinja2.Environment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # prompts are plain text, not HTML
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=as_data,
        )
        self._env.filters["as_reference"] = as_reference
        # Every section of every draft renders a template: a file is checked and compiled again
        # only when its text changed (a maintainer's edit, a save from the web UI).
        self._compiled: dict[Path, tuple[str, PromptTemplate, jinja2.Template]] = {}

    def names(self) -> list[str]:
        """Template names that have at least one version in either folder."""
        found: set[str] = set()
        for root, _ in self._roots():
            if root.is_dir():
                found.update(d.name for d in root.iterdir() if d.is_dir() and _version_files(d))
        return sorted(found)

    def listing(self, name: str) -> list[TemplateVersion]:
        """The versions of ``name``, oldest first, each with its file and whether it was saved at run time."""
        chosen: dict[int, TemplateVersion] = {}
        for root, saved in self._roots():  # the source tree first, so its files win a clash
            for path in _version_files(root / name):
                number = _number(path)
                if number in chosen:
                    self._warn_shadowed(chosen[number], path)
                    continue
                chosen[number] = TemplateVersion(name, path.stem, path, saved)
        if not chosen:
            available = "、".join(self.names()) or "（无）"
            raise TemplateError(f"没有名为“{name}”的提示词模板（{self._where()}）。可用：{available}")
        return [chosen[n] for n in sorted(chosen)]

    def versions(self, name: str) -> list[str]:
        """The versions of ``name``, oldest first ("v1", "v2", … "v10")."""
        return [v.version for v in self.listing(name)]

    def next_version(self, name: str) -> str:
        """The version a new save of ``name`` gets: one above every number in either folder."""
        self.listing(name)  # an unknown template is an error, not a "v1"
        numbers = [_number(f) for root, _ in self._roots() for f in _version_files(root / name)]
        return f"v{max(numbers) + 1}"

    def get(self, name: str, version: str | None = None) -> PromptTemplate:
        """One template; the latest version unless ``version`` is given."""
        return self._template(name, version)[0]

    def _template(self, name: str, version: str | None) -> tuple[PromptTemplate, jinja2.Template]:
        listing = self.listing(name)
        entry = listing[-1] if not version else next((v for v in listing if v.version == version), None)
        if entry is None:
            available = "、".join(v.version for v in listing)
            raise TemplateError(f"模板“{name}”没有版本“{version}”。可用版本：{available}")
        where = f"{name}/{entry.path.name}"
        try:
            source = entry.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{where}: 无法读取（应为 UTF-8 文本）：{exc}") from exc
        cached = self._compiled.get(entry.path)
        if cached is not None and cached[0] == source:
            return cached[1], cached[2]
        template = self._load(entry.version, entry.path, source)
        try:
            compiled = self._env.from_string(template.body)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"模板 {name}/{entry.version} 渲染失败：{exc}") from exc
        self._compiled[entry.path] = (source, template, compiled)
        return template, compiled

    def fixed_text(self, name: str, version: str | None = None) -> str:
        """The template's own wording: its body without the variables, loops and role lines. A model
        that copies its instructions into the answer copies this (drafting.normalising.echo)."""
        template, _ = self._template(name, version)
        literal = "".join(value for _, kind, value in self._env.lex(template.body) if kind == "data")
        return _ROLE_LINE.sub("", literal)

    def used_variables(self, template: PromptTemplate) -> set[str]:
        """The variables the template's body reads (declared ones it never reads are dead weight)."""
        return set(jinja2.meta.find_undeclared_variables(self._env.parse(template.body)))

    def render(self, name: str, variables: dict[str, Any], version: str | None = None) -> RenderedPrompt:
        """Render a template into chat messages; a missing variable raises TemplateError naming it."""
        template, compiled = self._template(name, version)
        missing = [v for v in template.variables if v not in variables]
        if missing:
            raise TemplateError(f"模板 {name}/{template.version} 缺少变量：{'、'.join(missing)}")
        try:
            text = compiled.render(**variables)
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"模板 {name}/{template.version} 缺少变量：{_undefined_name(exc)}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"模板 {name}/{template.version} 渲染失败：{exc}") from exc
        messages = split_messages(text)
        if not messages:
            raise TemplateError(f"模板 {name}/{template.version} 没有“## system”或“## user”段落")
        return RenderedPrompt(name, template.version, messages, text, dict(variables))

    def _roots(self) -> list[tuple[Path, bool]]:
        """The folders read, the source tree's first, each with whether it holds run-time saves."""
        roots = [(self.directory, False)]
        if self.saved_directory is not None:
            roots.append((self.saved_directory, True))
        return roots

    def _where(self) -> str:
        if self.saved_directory is None:
            return f"目录 {self.directory}"
        return f"目录 {self.directory} 和网页保存目录 {self.saved_directory}"

    def _warn_shadowed(self, kept: TemplateVersion, ignored: Path) -> None:
        # Once per file: listing() runs on every render, and one line says all there is to say.
        if ignored in self._shadowed_warned:
            return
        self._shadowed_warned.add(ignored)
        log.warning(
            "模板 %s 的版本 %s 在两处都有：使用 %s，忽略网页保存的 %s（请确认两份内容后删除多余的一份）",
            kept.name,
            kept.version,
            kept.path,
            ignored,
        )

    def _load(self, version: str, path: Path, source: str) -> PromptTemplate:
        name = path.parent.name
        where = f"{name}/{path.name}"
        meta, body = _front_matter(source, where)
        declared = meta.get("variables") or []
        if not isinstance(declared, list) or not all(isinstance(v, str) for v in declared):
            raise TemplateError(f"{where}: variables 应为变量名列表")
        if str(meta.get("version", version)) != version:
            raise TemplateError(f"{where}: 文件头写的版本“{meta.get('version')}”与文件名“{version}”不一致")
        try:
            used = jinja2.meta.find_undeclared_variables(self._env.parse(body))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{where} 第{exc.lineno + _body_offset(source)}行: 模板语法错误：{exc.message}"
            ) from exc
        undeclared = sorted(used - set(declared))
        if undeclared:
            raise TemplateError(f"{where}: 正文用到但文件头 variables 未列出的变量：{'、'.join(undeclared)}")
        description = str(meta.get("description") or "")
        return PromptTemplate(name, version, description, tuple(declared), body, path)


def prompt_library(settings: Settings) -> PromptLibrary:
    """The library the product reads: prompts/templates plus the versions saved under DRAFTER_HOME."""
    return PromptLibrary(settings.templates_dir, saved=settings.saved_templates_dir)


def split_messages(text: str) -> list[dict[str, str]]:
    """Chat messages from a rendered body: each "## role" line starts a message."""
    marks = list(_ROLE_LINE.finditer(text))
    messages = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        content = text[mark.end() : end].strip()
        if content:
            messages.append({"role": mark.group(1), "content": content})
    return messages


def _version_files(folder: Path) -> list[Path]:
    """The v<N>.md files of one template folder, by number (none if the folder is absent)."""
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.glob("v*.md") if _VERSION.match(f.stem)), key=_number)


def _number(path: Path) -> int:
    return int(_VERSION.match(path.stem).group(1))  # type: ignore[union-attr]  # v<N> files only


def _front_matter(source: str, where: str) -> tuple[dict[str, Any], str]:
    if not source.startswith("---"):
        raise TemplateError(f"{where}: 文件应以“---”开头的文件头（description、version、variables）开始")
    end = source.find("\n---", 3)
    if end < 0:
        raise TemplateError(f"{where}: 文件头没有以“---”结束")
    try:
        meta = yaml.safe_load(source[3:end]) or {}
    except yaml.YAMLError as exc:
        raise TemplateError(f"{where}: 文件头 YAML 格式错误：{exc}") from exc
    if not isinstance(meta, dict):
        raise TemplateError(f"{where}: 文件头应为键值表")
    body_start = source.find("\n", end + 1)
    return meta, source[body_start + 1 :] if body_start >= 0 else ""


def _body_offset(source: str) -> int:
    end = source.find("\n---", 3)
    return source[: end + 4].count("\n") + 1 if end >= 0 else 0


def _undefined_name(exc: jinja2.UndefinedError) -> str:
    message = str(exc)
    if match := re.search(r"'([^']+)' is undefined", message):
        return match.group(1)
    if match := re.search(r"has no attribute '([^']+)'", message):
        return f"{match.group(1)}（某个条目缺少这一项）"
    return message
