"""The register tables a prompt maintainer edits beside the outlines: kinds of body, heading patterns,
genre formulas, effect words (prompts/bodies.yaml, headings.yaml, register.yaml).

Loading validates every field and names the file and field of each problem, as the outline loader
does, because the person fixing it is not a programmer. Standard text in these tables goes into
drafts, so it may hold no numbers, named bodies or quotations (the same rule as outline sentences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from drafting.outlines.patterns import pattern_slots, standard_text_problems, type_name

LEVELS = ("省", "市", "州", "县", "区", "旗", "镇", "乡", "街道")
OTHER_LEVEL = "其他"
LEVEL_CHOICES = ("本级", "上一级")
REGISTER_FILES = ("bodies.yaml", "headings.yaml", "register.yaml")


class RegisterError(ValueError):
    """A register table that cannot be used; ``problems`` name the file and field of each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class BodyKind:
    label: str
    endings: tuple[str, ...]
    self_name: str  # may hold {level}
    leader: str  # a column of Register.leaders
    level: str  # "本级" or "上一级"
    after_place: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    phrase: str = "在{superior}的坚强领导下"


@dataclass(frozen=True)
class HeadingRule:
    words: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    """Everything the composer needs beyond the outline to write in the register of its kind."""

    kinds: tuple[BodyKind, ...] = ()
    default_kind: BodyKind = BodyKind("", (), "本单位", "党委", "本级")
    leaders: dict[str, dict[str, str]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    heading_rules: dict[str, tuple[HeadingRule, ...]] = field(default_factory=dict)  # by part
    heading_defaults: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by part
    activity_endings: tuple[str, ...] = ()
    genres: dict[str, tuple[str, ...]] = field(default_factory=dict)  # genre → its formulas
    effect_words: tuple[str, ...] = ()
    generic_pairs: frozenset[str] = frozenset()
    min_shared_pairs: int = 2

    def patterns(self) -> list[str]:
        """The tables' standard wording (heading patterns). The leadership phrase is left out: it is
        the body's title, said in the opening and again in the closing as reports do."""
        texts = [p for rules in self.heading_rules.values() for r in rules for p in r.patterns]
        texts += [p for ps in self.heading_defaults.values() for p in ps]
        return texts


@lru_cache(maxsize=8)
def load_register(prompts_dir: Path) -> Register:
    """The register tables in ``prompts_dir``; RegisterError lists every problem in every file."""
    problems: list[str] = []
    data = {name: _read(Path(prompts_dir) / name, problems) for name in REGISTER_FILES}
    if problems:
        raise RegisterError(problems)
    register = Register(
        **_bodies(data["bodies.yaml"], _Where("bodies.yaml", problems)),
        **_headings(data["headings.yaml"], _Where("headings.yaml", problems)),
        **_genres_and_words(data["register.yaml"], _Where("register.yaml", problems)),
    )
    if problems:
        raise RegisterError(problems)
    return register


def default_register() -> Register:
    """The tables shipped in prompts/ (for outlines built in code, without a prompts directory)."""
    from drafting.settings import PROJECT_ROOT

    return load_register(PROJECT_ROOT / "prompts")


# ---------------------------------------------------------------- reading


@dataclass
class _Where:
    file: str
    problems: list[str]

    def __call__(self, field_name: str, message: str) -> None:
        self.problems.append(f"{self.file}: {field_name}: {message}")


def _read(path: Path, problems: list[str]) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.append(f"{path.name}: 文件不存在（应放在 {path.parent}）")
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: 无法读取（应为 UTF-8 编码的文本）：{exc}")
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        problems.append(f"{path.name}{where}: YAML 格式错误：{getattr(exc, 'problem', None) or exc}")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path.name}: （整个文件）应为键值表，实际是{type_name(data)}")
        return {}
    return data


def _words(value: Any, field_name: str, where: _Where, *, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        where(field_name, f"应为一个或几个词的列表，实际是{type_name(value)}")
        return ()
    return tuple(v.strip() for v in value)


def _text(value: Any, field_name: str, where: _Where, *, standard: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        where(field_name, f"应为非空文字，实际是{type_name(value)}")
        return ""
    if standard:
        _check_standard(value, field_name, where)
    return value.strip()


def _check_standard(text: str, field_name: str, where: _Where) -> None:
    for problem in standard_text_problems(text):
        where(field_name, problem)


def _bodies(data: dict, where: _Where) -> dict[str, Any]:
    kinds = []
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, list) or not raw_kinds:
        where("kinds", f"应为非空列表，实际是{type_name(raw_kinds)}")
        raw_kinds = []
    leaders = _leaders(data.get("leaders"), where)
    for i, raw in enumerate(raw_kinds):
        kind = _kind(raw, f"kinds[{i}]", where, leaders, with_endings=True)
        if kind is not None:
            kinds.append(kind)
    default = _kind(data.get("default"), "default", where, leaders, with_endings=False)
    parents: dict[str, str] = {}
    raw_parents = data.get("parents") or {}
    if not isinstance(raw_parents, dict):
        where("parents", f"应为键值表，实际是{type_name(raw_parents)}")
    else:
        for level, parent in raw_parents.items():
            if level not in LEVELS or parent not in LEVELS:
                where(f"parents.{level}", f"层级只能是 {'、'.join(LEVELS)}")
            else:
                parents[level] = parent
    result: dict[str, Any] = {"kinds": tuple(kinds), "leaders": leaders, "parents": parents}
    if default is not None:
        result["default_kind"] = default
    return result


def _leaders(raw: Any, where: _Where) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict) or not raw:
        where("leaders", f"应为键值表，实际是{type_name(raw)}")
        return {}
    leaders: dict[str, dict[str, str]] = {}
    for column, by_level in raw.items():
        if not isinstance(by_level, dict):
            where(f"leaders.{column}", f"应为键值表（层级: 领导机关），实际是{type_name(by_level)}")
            continue
        if OTHER_LEVEL not in by_level:
            where(f"leaders.{column}", f"必须有“{OTHER_LEVEL}”一项（层级不明时用）")
        row = {}
        for level, name in by_level.items():
            if level not in (*LEVELS, OTHER_LEVEL):
                where(f"leaders.{column}.{level}", f"层级只能是 {'、'.join((*LEVELS, OTHER_LEVEL))}")
                continue
            row[level] = _text(name, f"leaders.{column}.{level}", where, standard=False)
            _check_generic(row[level], f"leaders.{column}.{level}", where)
        leaders[str(column)] = row
    return leaders


def _check_generic(text: str, field_name: str, where: _Where) -> None:
    from drafting.mentions.names import extract_names
    from drafting.mentions.numbers import extract_numbers

    for name in extract_names(text):
        where(field_name, f"只能写泛称（县委、上级党委……），不能写具体单位名称（“{name.text}”）")
    for number in extract_numbers(text):
        where(field_name, f"不能有数字（“{number.text}”）")


_KIND_KEYS = {"label", "endings", "after_place", "contains", "self", "leader", "level", "phrase"}


def _kind(
    raw: Any, at: str, where: _Where, leaders: dict[str, dict[str, str]], *, with_endings: bool
) -> BodyKind | None:
    if not isinstance(raw, dict):
        where(at, f"应为键值表，实际是{type_name(raw)}")
        return None
    for key in sorted(set(raw) - _KIND_KEYS, key=str):
        where(f"{at}.{key}", f"未知字段，可用字段：{'、'.join(sorted(_KIND_KEYS))}")
    endings = _words(raw.get("endings"), f"{at}.endings", where) if with_endings else ()
    self_name = _text(raw.get("self"), f"{at}.self", where, standard=False)
    _check_generic(self_name.replace("{level}", "县"), f"{at}.self", where)
    leader = raw.get("leader")
    if leader not in leaders:
        where(f"{at}.leader", f"应为 leaders 里的一栏（{'、'.join(leaders)}），实际是“{leader}”")
    level = raw.get("level", "本级")
    if level not in LEVEL_CHOICES:
        where(f"{at}.level", f"应为 {'或'.join(LEVEL_CHOICES)}，实际是“{level}”")
    phrase = raw.get("phrase", "在{superior}的坚强领导下")
    phrase = _text(phrase, f"{at}.phrase", where)
    if "{superior}" not in phrase:
        where(f"{at}.phrase", "必须含有 {superior}（领导机关）")
    return BodyKind(
        label=str(raw.get("label") or ""),
        endings=endings,
        self_name=self_name,
        leader=str(leader),
        level=str(level),
        after_place=_words(raw.get("after_place"), f"{at}.after_place", where, required=False),
        contains=_words(raw.get("contains"), f"{at}.contains", where, required=False),
        phrase=phrase,
    )


_HEADING_SLOTS = frozenset({"area", "area_work"})


def _headings(data: dict, where: _Where) -> dict[str, Any]:
    def pattern_list(value: Any, at: str) -> tuple[str, ...]:
        patterns = _words(value, at, where)
        for j, pattern in enumerate(patterns):
            _check_standard(pattern, f"{at}[{j}]", where)
            try:
                unknown = pattern_slots(pattern) - _HEADING_SLOTS
            except ValueError:
                where(f"{at}[{j}]", f"花括号不配对：“{pattern}”")
                continue
            for slot in sorted(unknown):
                where(f"{at}[{j}]", f"未知的占位符 {{{slot}}}，可用：{{area}}、{{area_work}}")
        return patterns

    rules: dict[str, tuple[HeadingRule, ...]] = {}
    for part in ("work", "plans"):
        raw_rules = data.get(part) or []
        if not isinstance(raw_rules, list):
            where(part, f"应为规则列表，实际是{type_name(raw_rules)}")
            raw_rules = []
        part_rules = []
        for i, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                where(f"{part}[{i}]", f"应为键值表（words、patterns），实际是{type_name(raw)}")
                continue
            words = _words(raw.get("words"), f"{part}[{i}].words", where)
            patterns = pattern_list(raw.get("patterns"), f"{part}[{i}].patterns")
            part_rules.append(HeadingRule(words, patterns))
        rules[part] = tuple(part_rules)
    defaults_raw = data.get("default") or {}
    defaults = {}
    if not isinstance(defaults_raw, dict):
        where("default", f"应为键值表（work、plans），实际是{type_name(defaults_raw)}")
    else:
        defaults = {
            p: pattern_list(v, f"default.{p}") for p, v in defaults_raw.items() if p in ("work", "plans")
        }
    endings = _words(data.get("activity_endings"), "activity_endings", where, required=False)
    return {"heading_rules": rules, "heading_defaults": defaults, "activity_endings": endings}


def _genres_and_words(data: dict, where: _Where) -> dict[str, Any]:
    genres: dict[str, tuple[str, ...]] = {}
    raw = data.get("genres")
    if not isinstance(raw, dict) or not raw:
        where("genres", f"应为键值表（总结、报告、讲话……），实际是{type_name(raw)}")
    else:
        for genre, entry in raw.items():
            formulas = entry.get("formulas") if isinstance(entry, dict) else None
            genres[str(genre)] = _words(formulas, f"genres.{genre}.formulas", where)
    shared = data.get("min_shared_pairs", 2)
    if not isinstance(shared, int) or isinstance(shared, bool) or shared < 1:
        where("min_shared_pairs", f"应为正整数，实际是“{shared}”")
        shared = 2
    return {
        "genres": genres,
        "effect_words": _words(data.get("effect_words"), "effect_words", where),
        "generic_pairs": frozenset(_words(data.get("generic_pairs"), "generic_pairs", where, required=False)),
        "min_shared_pairs": shared,
    }
