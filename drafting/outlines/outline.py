"""Standard report outlines, loaded from the YAML files a prompt maintainer edits.

Each file in prompts/outlines/ describes one kind of report: its title pattern, its parts in
order, each part's heading, numbering, what it must contain, its usual length, and the
composer's standard sentences ("connectives"). Loading validates everything and names the file
and field of every problem, because the person fixing it is not a programmer.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from drafting.model import Outline, OutlinePart
from drafting.outlines.patterns import (
    fill_pattern as fill_pattern,  # re-exported: callers import it from here
)
from drafting.outlines.patterns import pattern_slots, standard_text_problems, type_name
from drafting.outlines.register import REGISTER_FILES, Register, RegisterError, load_register
from retrieval.documents import PARTS

PART_LABELS: dict[str, str] = {
    "opening": "开头",
    "work": "工作情况",
    "problems": "存在问题",
    "plans": "工作计划",
    "closing": "结尾",
}
# The values of OutlinePart.area_numbering: （一） and 1. give each area a heading of its own,
# 一是 runs the areas inline, 突出一个 heads each area with "突出一个“X”字" (X from the facts).
AREA_NUMBERINGS: tuple[str, ...] = ("（一）", "1.", "一是", "突出一个", "none")
# What the composer does with each connective key (documented for maintainers in the YAML files).
CONNECTIVE_KEYS: dict[str, str] = {
    "lead": "本部分开头的句子",
    "end": "本部分结尾的句子",
    "area_heading": "每个方面的小标题（不含序号）",
    "area_lead": "每个方面段落的引导语",
    "missing": "没有材料时的待补充提示",
    "effect": "方面里讲成效的事实前的引导语",
    "answer_lead": "写了存在问题时，计划部分开头点明问题的句子",
    "answer": "计划方面对应某个问题时的引导语",
}
_PERIOD_SLOTS = {"org", "period", "next_period", "next_period_short"}
TITLE_SLOTS = frozenset({*_PERIOD_SLOTS, "speaker", "addressee"})
HEADING_SLOTS = frozenset(_PERIOD_SLOTS)
# {self} 我局, {superior} 县委、县政府, {led_by} 在县委、县政府的坚强领导下 (prompts/bodies.yaml);
# {area_title} the area's heading text; {problems} / {problem} the problems a plan answers.
_BODY_SLOTS = {"self", "superior", "led_by"}
CONNECTIVE_SLOTS = frozenset(
    {*_PERIOD_SLOTS, *_BODY_SLOTS, "area", "areas", "keyword", "addressee", "speaker"}
    | {"area_title", "problems", "problem"}
)
_TOP_KEYS = {"name", "label", "version", "description", "title_pattern", "addressee", "greeting", "parts"}
_TOP_KEYS |= {"genre"}
_PART_KEYS = {
    "part",
    "heading",
    "numbered",
    "area_numbering",
    "must_contain",
    "length",
    "required",
    "connectives",
    "subheadings",
}


class OutlineError(ValueError):
    """An outline file that cannot be used, or an unknown outline; the message is for the user."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# Parsed outlines per directory, with the size and modification time of every file they came
# from: every draft plans from them, and parsing the YAML each time showed in a profile of the
# server under load. An edited file (a maintainer's change) is seen at the next call.
_PARSED: dict[Path, tuple[tuple[tuple[str, int, int], ...], dict[str, Outline]]] = {}
_PARSED_LOCK = threading.Lock()


def load_outlines(directory: Path) -> dict[str, Outline]:
    """All outlines in ``directory`` (*.yaml, *.yml) by name; every problem in every file is reported.

    The register tables (bodies, headings, genre formulas) are read from the directory above
    (prompts/), or the packaged ones when it has none, and travel with each outline.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise OutlineError(f"提纲目录不存在：{directory}")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise OutlineError(f"提纲目录中没有 .yaml 文件：{directory}")
    stamp = _stamp([*files, *(_register_dir(directory) / name for name in REGISTER_FILES)])
    key = directory.resolve()
    with _PARSED_LOCK:
        cached = _PARSED.get(key)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    load_register.cache_clear()  # a register file may be what changed
    outlines = _parse_outlines(directory, files)
    with _PARSED_LOCK:
        _PARSED[key] = (stamp, outlines)
    return dict(outlines)


def _stamp(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            stamps.append((str(path), -1, -1))
            continue
        stamps.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamps)


def _parse_outlines(directory: Path, files: list[Path]) -> dict[str, Outline]:
    outlines: dict[str, Outline] = {}
    problems: list[str] = []
    for path in files:
        try:
            outline = load_outline_file(path)
        except OutlineError as exc:
            problems.extend(exc.problems)
            continue
        if outline.name in outlines:
            problems.append(f"{path.name}: name: 提纲代号“{outline.name}”与其他文件重复")
            continue
        outlines[outline.name] = outline
    register = _register_beside(directory, problems)
    if register is not None:
        for name, outline in outlines.items():
            problems += _genre_problems(outline, register, f"{name}.yaml")
            outlines[name] = replace(outline, register=register)
    if problems:
        raise OutlineError(problems)
    return outlines


def _register_dir(directory: Path) -> Path:
    """Where the outlines in ``directory`` take their register tables from."""
    prompts_dir = directory.parent
    return prompts_dir if (prompts_dir / "bodies.yaml").exists() else _packaged_prompts()


def _register_beside(directory: Path, problems: list[str]) -> Register | None:
    try:
        return load_register(_register_dir(directory).resolve())
    except RegisterError as exc:
        problems.extend(exc.problems)
        return None


def _packaged_prompts() -> Path:
    from drafting.settings import PROJECT_ROOT

    return PROJECT_ROOT / "prompts"


def _genre_problems(outline: Outline, register: Register, file: str) -> list[str]:
    """A genre's set formulas belong to it alone: a summary never says "报告如下"."""
    if not outline.genre:
        return []
    if outline.genre not in register.genres:
        return [
            f"{file}: genre: 应为 {'、'.join(register.genres)} 之一（见 register.yaml），实际是“{outline.genre}”"
        ]
    foreign = {f: g for g, formulas in register.genres.items() if g != outline.genre for f in formulas}
    problems = []
    for i, op in enumerate(outline.parts):
        texts = [("must_contain", op.must_contain)]
        texts += [(f"connectives.{k}[{j}]", p) for k, ps in op.connectives.items() for j, p in enumerate(ps)]
        for field, text in texts:
            for formula, genre in foreign.items():
                if formula in text:
                    problems.append(
                        f"{file}: parts[{i}].{field}: “{formula}”是{genre}的套语，{outline.genre}类材料不能用"
                    )
    return problems


def get_outline(directory: Path, name: str) -> Outline:
    """The outline called ``name``; an unknown name raises OutlineError listing the available ones."""
    outlines = load_outlines(directory)
    if name not in outlines:
        available = "、".join(f"{o.name}（{o.label}）" for o in outlines.values())
        raise OutlineError(f"没有名为“{name}”的提纲。可用的提纲：{available}")
    return outlines[name]


def load_outline_file(path: Path) -> Outline:
    """One outline file, validated; problems are prefixed with the file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutlineError(f"{path.name}: 无法读取（应为 UTF-8 编码的文本）：{exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise OutlineError(f"{path.name}{where}: YAML 格式错误：{reason}") from exc
    problems: list[str] = []
    outline = _build_outline(data, problems)
    if problems or outline is None:
        raise OutlineError([f"{path.name}: {p}" for p in problems])
    return outline


def _build_outline(data: Any, problems: list[str]) -> Outline | None:
    if not isinstance(data, dict):
        problems.append(f"（整个文件）: 应为键值表，实际是{type_name(data)}")
        return None
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        problems.append(f"{key}: 未知字段，可用字段：{'、'.join(sorted(_TOP_KEYS))}")
    name = _text(data, "name", problems)
    label = _text(data, "label", problems)
    title = _text(data, "title_pattern", problems)
    _check_pattern(title, "title_pattern", TITLE_SLOTS, problems)
    greeting = _text(data, "greeting", problems, required=False)
    genre = _text(data, "genre", problems, required=False) or ""
    description = _text(data, "description", problems, required=False) or ""
    version = data.get("version", "1")
    if not isinstance(version, str | int) or isinstance(version, bool):
        problems.append(f"version: 应为文字，实际是{type_name(version)}")
    addressee = _flag(data, "addressee", False, problems)
    raw_parts = data.get("parts")
    parts: list[OutlinePart] = []
    if not isinstance(raw_parts, list) or not raw_parts:
        problems.append(f"parts: 应为非空列表，实际是{type_name(raw_parts)}")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_parts):
            part = _build_part(raw, f"parts[{i}]", problems)
            if part is None:
                continue
            if part.part in seen:
                problems.append(f"parts[{i}].part: “{part.part}”重复出现")
            seen.add(part.part)
            parts.append(part)
    if problems:
        return None
    return Outline(
        name=name or "",
        label=label or "",
        title_pattern=title or "",
        parts=tuple(parts),
        addressee=addressee,
        greeting=greeting,
        version=str(version),
        description=description,
        genre=genre,
    )


def _build_part(raw: Any, where: str, problems: list[str]) -> OutlinePart | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: 应为键值表，实际是{type_name(raw)}")
        return None
    for key in sorted(set(raw) - _PART_KEYS, key=str):
        problems.append(f"{where}.{key}: 未知字段，可用字段：{'、'.join(sorted(_PART_KEYS))}")
    part = raw.get("part")
    if part not in PARTS:
        problems.append(f"{where}.part: 应为 {'、'.join(PARTS)} 之一，实际是“{part}”")
    heading = _text(raw, "heading", problems, required=False, where=where) or ""
    _check_pattern(heading, f"{where}.heading", HEADING_SLOTS, problems)
    _check_standard_text(heading, f"{where}.heading", problems)
    numbering = raw.get("area_numbering", "none")
    if numbering not in AREA_NUMBERINGS:
        allowed = "、".join(AREA_NUMBERINGS)
        problems.append(f"{where}.area_numbering: 应为 {allowed} 之一，实际是“{numbering}”")
    must_contain = _text(raw, "must_contain", problems, where=where) or ""
    length = raw.get("length")
    if not (
        isinstance(length, list)
        and len(length) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in length)
        and length[0] <= length[1]
    ):
        problems.append(f"{where}.length: 应为 [最少字数, 最多字数] 两个整数，实际是“{length}”")
    connectives = _connectives(raw.get("connectives", {}), f"{where}.connectives", problems)
    numbered = _flag(raw, "numbered", False, problems, where=where)
    required = _flag(raw, "required", True, problems, where=where)
    subheadings = _flag(raw, "subheadings", False, problems, where=where)
    if part not in PARTS or numbering not in AREA_NUMBERINGS or connectives is None:
        return None
    return OutlinePart(
        part=part,
        heading=heading,
        numbered=numbered,
        area_numbering=numbering,
        must_contain=must_contain,
        length=tuple(length) if isinstance(length, list) and len(length) == 2 else (0, 0),
        required=required,
        connectives=connectives,
        subheadings=subheadings,
    )


def _connectives(raw: Any, where: str, problems: list[str]) -> dict[str, list[str]] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: 应为键值表，实际是{type_name(raw)}")
        return None
    result: dict[str, list[str]] = {}
    for key, value in raw.items():
        if key not in CONNECTIVE_KEYS:
            allowed = "、".join(f"{k}（{v}）" for k, v in CONNECTIVE_KEYS.items())
            problems.append(f"{where}.{key}: 未知的标准句类型，可用：{allowed}")
            continue
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not patterns:
            problems.append(f"{where}.{key}: 应为一句或多句文字的列表，实际是{type_name(value)}")
            continue
        for j, pattern in enumerate(patterns):
            field = f"{where}.{key}[{j}]"
            if not isinstance(pattern, str) or not pattern.strip():
                problems.append(f"{field}: 应为非空文字，实际是{type_name(pattern)}")
                continue
            _check_pattern(pattern, field, CONNECTIVE_SLOTS, problems)
            _check_standard_text(pattern, field, problems)
        result[key] = [p for p in patterns if isinstance(p, str)]
    return result


def _check_pattern(pattern: str | None, field: str, allowed: frozenset[str], problems: list[str]) -> None:
    if not pattern:
        return
    try:
        slots = pattern_slots(pattern)
    except ValueError:
        problems.append(f"{field}: 花括号不配对：“{pattern}”（要写花括号本身请用 {{{{ 和 }}}}）")
        return
    for slot in sorted(slots - allowed):
        problems.append(
            f"{field}: 未知的占位符 {{{slot}}}，可用：{'、'.join('{' + s + '}' for s in sorted(allowed))}"
        )


def _check_standard_text(pattern: str, field: str, problems: list[str]) -> None:
    problems.extend(f"{field}: {problem}" for problem in standard_text_problems(pattern))


def _text(data: dict, key: str, problems: list[str], *, required: bool = True, where: str = "") -> str | None:
    field = f"{where}.{key}" if where else key
    value = data.get(key)
    if value is None:
        if required:
            problems.append(f"{field}: 必须填写")
        return None
    if not isinstance(value, str):
        problems.append(f"{field}: 应为文字，实际是{type_name(value)}")
        return None
    if required and not value.strip():
        problems.append(f"{field}: 不能为空")
    return value.strip()


def _flag(data: dict, key: str, default: bool, problems: list[str], *, where: str = "") -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        field = f"{where}.{key}" if where else key
        problems.append(f"{field}: 应为 true 或 false，实际是{type_name(value)}")
        return default
    return value
