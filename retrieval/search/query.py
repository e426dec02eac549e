"""Query understanding for lexical search: what a writer's question should be matched with.

Writers look for past passages in their own words ("缺编", "头三个月", "明年打算") while reports use
the official register ("编制空缺", "一季度", "下一步工作安排"). Three measured, editable aids:

- synonym groups (retrieval/search/lexicon/synonyms.txt): a query word brings the other words of its group
  in at a lower weight;
- single Chinese characters at a low weight, so "缺编" still meets "编制空缺" and abbreviations
  ("江能") meet the full name;
- part cues (retrieval/search/lexicon/part_cues.yaml): "明年…打算" asks for the plans part, "短板" for the
  problems part; the knowledge base boosts those parts (a boost, never a filter).

The word lists are data: an organisation extends them by pointing `retrieval.lexicon_dir` at a
folder holding its own copies. Weights are chosen with `drafter eval retrieval` (see README).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from retrieval.documents import PARTS
from retrieval.index.tokens import char_tokens, tokenize

log = logging.getLogger(__name__)

DEFAULT_LEXICON_DIR = Path(__file__).with_name("lexicon")
SYNONYMS_FILE = "synonyms.txt"
PART_CUES_FILE = "part_cues.yaml"


class LexiconError(ValueError):
    """A lexicon file cannot be read; the message names the file and the problem (in Chinese)."""


@dataclass(frozen=True)
class Lexicon:
    """Synonym groups and part cues, as read from the lexicon folder."""

    synonym_groups: tuple[tuple[str, ...], ...] = ()
    part_cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def _cue_patterns(self) -> dict[str, re.Pattern[str]]:
        # A cue followed by 了 tells of work already done ("准备了"), not of a plan.
        return {
            part: re.compile("|".join(f"{re.escape(cue)}(?!了)" for cue in cues))
            for part, cues in self.part_cues.items()
            if cues
        }

    def related_words(self, query: str) -> list[str]:
        """Words of every synonym group that one of the query's words (two characters or more)
        belongs to, minus those the query already contains."""
        related: list[str] = []
        for group in self.synonym_groups:
            if any(len(word) > 1 and word in query for word in group):
                related.extend(w for w in group if w not in query and w not in related)
        return related

    def cued_parts(self, query: str) -> frozenset[str]:
        """The outline parts the query's wording asks for (empty when it gives no sign)."""
        return frozenset(part for part, pattern in self._cue_patterns.items() if pattern.search(query))


@dataclass(frozen=True)
class QueryAids:
    """What a search made of a query beyond its own words, to show the writer: the related words
    it also searched for and the outline parts it preferred (both empty when none applied)."""

    related_words: tuple[str, ...] = ()
    preferred_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysedQuery:
    """A query ready for BM25: token weights, the synonym-group words they include (none when
    synonyms weigh 0), and the parts its wording points to, in outline order."""

    weights: dict[str, float]
    related_words: tuple[str, ...]
    parts: tuple[str, ...]


def analyse(query: str, lexicon: Lexicon, *, char_weight: float, synonym_weight: float) -> AnalysedQuery:
    """Weighted query tokens: the query's own words at 1 per occurrence, its single characters at
    `char_weight`, words of its synonym groups at `synonym_weight` (their characters at the product)."""
    weights: dict[str, float] = {}
    for token in tokenize(query):
        weights[token] = weights.get(token, 0.0) + 1.0
    if char_weight > 0:
        for token in char_tokens(query):
            weights[token] = weights.get(token, 0.0) + char_weight
    related = lexicon.related_words(query) if synonym_weight > 0 else []
    for word in related:
        for token in tokenize(word):
            weights.setdefault(token, synonym_weight)
        if char_weight > 0:
            for token in char_tokens(word):
                weights.setdefault(token, synonym_weight * char_weight)
    cued = lexicon.cued_parts(query)
    return AnalysedQuery(weights, tuple(related), tuple(p for p in PARTS if p in cued))


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Read the lexicon folder (the packaged one by default). A missing file means an empty list;
    a malformed one raises LexiconError naming it, so a typo never silently disables search aids."""
    folder = folder or DEFAULT_LEXICON_DIR
    return Lexicon(
        synonym_groups=_read_synonyms(folder / SYNONYMS_FILE),
        part_cues=_read_part_cues(folder / PART_CUES_FILE),
    )


def _read_text(path: Path) -> str | None:
    if not path.exists():
        log.info("no %s in the lexicon folder; going on without it", path.name)
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"无法读取检索词表 {path}（应为 UTF-8 文本）：{exc}") from exc


def _read_synonyms(path: Path) -> tuple[tuple[str, ...], ...]:
    text = _read_text(path)
    if text is None:
        return ()
    groups = []
    for line in text.splitlines():
        words = tuple(dict.fromkeys(line.split("#", 1)[0].split()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


def _read_part_cues(path: Path) -> dict[str, tuple[str, ...]]:
    text = _read_text(path)
    if text is None:
        return {}
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise LexiconError(f"检索词表 {path} 格式有误：{exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"检索词表 {path} 应是“部分: [词, 词]”的形式")
    cues: dict[str, tuple[str, ...]] = {}
    for part, words in data.items():
        if part not in PARTS:
            raise LexiconError(f"检索词表 {path} 中的“{part}”不是材料的部分，可选：{'、'.join(PARTS)}")
        if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
            raise LexiconError(f"检索词表 {path} 中“{part}”后面应是词语列表")
        cues[part] = tuple(str(w).strip() for w in words if str(w).strip())
    return cues
