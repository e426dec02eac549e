"""The answer-habit rules kept as data (prompts/normalising/answer_habits.yaml), loaded and checked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "prompts" / "normalising" / "answer_habits.yaml"


class RulesError(ValueError):
    """The rules file cannot be used; the message (Chinese) names the file and the entry."""


@dataclass(frozen=True)
class AnswerRules:
    """Phrases that mark courtesy text and refusals. English phrases are matched case-insensitively."""

    preamble_starts: tuple[str, ...]
    preamble_max_chars: int
    closing_phrases: tuple[str, ...]
    closing_max_chars: int
    refusal_phrases: tuple[str, ...]
    refusal_max_chars: int
    continue_prompt: str
    version: str = "1"


def load_rules(path: Path | None = None) -> AnswerRules:
    """The rules in ``path`` (default: the file in the source tree), read fresh each call."""
    path = path or DEFAULT_RULES_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"无法读取回答整理规则 {path}：{exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"回答整理规则 {path} 格式有误：{exc}") from exc
    if not isinstance(raw, dict):
        raise RulesError(f"回答整理规则 {path} 应为键值对（例如 preamble_starts: …）")
    return AnswerRules(
        preamble_starts=_phrases(raw, "preamble_starts", path),
        preamble_max_chars=_positive(raw, "preamble_max_chars", path),
        closing_phrases=_phrases(raw, "closing_phrases", path),
        closing_max_chars=_positive(raw, "closing_max_chars", path),
        refusal_phrases=_phrases(raw, "refusal_phrases", path),
        refusal_max_chars=_positive(raw, "refusal_max_chars", path),
        continue_prompt=_text(raw, "continue_prompt", path),
        version=str(raw.get("version") or "1"),
    )


@lru_cache(maxsize=1)
def default_rules() -> AnswerRules:
    """The source tree's rules, read once per process."""
    return load_rules(DEFAULT_RULES_PATH)


def _phrases(raw: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise RulesError(f"回答整理规则 {path}：{key} 应为至少一项的列表")
    phrases = []
    for item in value:
        if not isinstance(item, str | int | float) or not str(item).strip():
            raise RulesError(f"回答整理规则 {path}：{key} 中有空项或不是文字的项（{item!r}）")
        phrases.append(str(item).strip())
    return tuple(phrases)


def _positive(raw: dict[str, Any], key: str, path: Path) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RulesError(f"回答整理规则 {path}：{key} 应为正整数，实际是 {value!r}")
    return value


def _text(raw: dict[str, Any], key: str, path: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"回答整理规则 {path}：缺少 {key} 或它不是文字")
    return value.strip()
