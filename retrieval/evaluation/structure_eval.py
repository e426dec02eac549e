"""Structure evaluation on labelled as-collected reports: title, metadata, parts, noise left, lines lost.

A labelled half is a folder with ``docs/`` (the files as collected) and ``labels.yaml``: for each file
its verbatim title, kind, year, period and organisation, every noise line (verbatim), and every real
line after the title, in order, with the first 20 characters and its outline part. The folder is
ingested as one batch, as `drafter ingest` would (lines repeated across its files count), and the
parsed result is compared with the labels:

* a passage's part is right when it equals the part of the labelled line the passage starts in;
* a noise line is left when a kept line still reads the same (for long noise, contains it);
* a real line is lost when its labelled opening is no longer in the cleaned text.

Texts are compared without whitespace and line breaks (PDF lines wrap anywhere) and in NFKC form.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from retrieval.documents import PARTS
from retrieval.ingest.cleaning import InMemoryLineIndex, candidate_fingerprints, line_fingerprint
from retrieval.ingest.parsing import DocumentError, ParsedDocument, load_file, parse_loaded

META_FIELDS = ("kind", "year", "period", "org")
_LONG_NOISE = 8  # a noise fingerprint at least this long also counts as left when inside a kept line


@dataclass(frozen=True)
class StructureLabel:
    file: str
    title: str
    kind: str
    year: int | None
    period: str | None
    org: str | None
    noise: tuple[str, ...]
    paragraphs: tuple[tuple[str, str], ...]  # (opening text, part)


@dataclass
class DocumentScore:
    """How one labelled file came out."""

    file: str
    error: str | None = None  # the file could not be ingested at all
    title: str = ""
    expected_title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    expected_meta: dict[str, Any] = field(default_factory=dict)
    passages: int = 0
    wrong_parts: list[tuple[str, str, str]] = field(default_factory=list)  # (passage opening, got, expected)
    noise_lines: int = 0
    noise_left: list[str] = field(default_factory=list)
    real_lines: int = 0
    lines_lost: list[str] = field(default_factory=list)

    @property
    def title_ok(self) -> bool:
        return self.error is None and _compact(self.title) == _compact(self.expected_title)

    def meta_ok(self, name: str) -> bool:
        got, want = self.meta.get(name), self.expected_meta.get(name)
        if isinstance(got, str) or isinstance(want, str):
            return self.error is None and _compact(str(got or "")) == _compact(str(want or ""))
        return self.error is None and got == want


@dataclass
class StructureResult:
    name: str
    folder: str
    documents: list[DocumentScore]
    label_errors: list[str]

    def _count(self, predicate: Any) -> int:
        return sum(1 for d in self.documents if predicate(d))

    @property
    def titles_right(self) -> int:
        return self._count(lambda d: d.title_ok)

    def meta_right(self, name: str) -> int:
        if name == "all":
            return self._count(lambda d: all(d.meta_ok(f) for f in META_FIELDS))
        return self._count(lambda d: d.meta_ok(name))

    @property
    def passages(self) -> int:
        return sum(d.passages for d in self.documents)

    @property
    def passages_right(self) -> int:
        return self.passages - sum(len(d.wrong_parts) for d in self.documents)

    @property
    def noise_lines(self) -> int:
        return sum(d.noise_lines for d in self.documents)

    @property
    def noise_left(self) -> int:
        return sum(len(d.noise_left) for d in self.documents)

    @property
    def real_lines(self) -> int:
        return sum(d.real_lines for d in self.documents)

    @property
    def lines_lost(self) -> int:
        return sum(len(d.lines_lost) for d in self.documents)

    def totals(self) -> dict[str, Any]:
        """The figures `drafter eval structure` prints, as numbers (the default-suite test asserts them)."""
        n = len(self.documents)
        return {
            "documents": n,
            "titles": self.titles_right,
            **{name: self.meta_right(name) for name in (*META_FIELDS, "all")},
            "passages": self.passages,
            "passages_right": self.passages_right,
            "noise_lines": self.noise_lines,
            "noise_left": self.noise_left,
            "real_lines": self.real_lines,
            "lines_lost": self.lines_lost,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "folder": self.folder,
            "totals": self.totals(),
            "label_errors": self.label_errors,
            "documents": [
                {
                    "file": d.file,
                    "error": d.error,
                    "title": d.title,
                    "expected_title": d.expected_title,
                    "meta": d.meta,
                    "expected_meta": d.expected_meta,
                    "passages": d.passages,
                    "wrong_parts": [list(w) for w in d.wrong_parts],
                    "noise_left": d.noise_left,
                    "lines_lost": d.lines_lost,
                }
                for d in self.documents
            ],
        }


# ------------------------------------------------------------------ labels


def load_labels(path: Path) -> tuple[list[StructureLabel], list[str]]:
    """The labels of a half, and the problems found in them (an entry with a problem is skipped)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [], [f"{path}：无法读取标注（{exc}）"]
    if not isinstance(raw, list):
        return [], [f"{path}：标注应是一个列表"]
    labels: list[StructureLabel] = []
    problems: list[str] = []
    for n, entry in enumerate(raw, start=1):
        try:
            labels.append(_label(entry))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{path} 第 {n} 项：{exc!r}")
    return labels, problems


def _label(entry: dict[str, Any]) -> StructureLabel:
    paragraphs = []
    for item in entry.get("paragraphs") or []:
        if item["part"] not in PARTS:
            raise ValueError(f"未知的部分 {item['part']!r}")
        paragraphs.append((str(item["text"]), str(item["part"])))
    year = entry.get("year")
    return StructureLabel(
        file=str(entry["file"]),
        title=str(entry["title"]),
        kind=str(entry["kind"]),
        year=int(year) if year is not None else None,
        period=_text_or_none(entry.get("period")),
        org=_text_or_none(entry.get("org")),
        noise=tuple(str(x) for x in entry.get("noise") or () if str(x).strip()),
        paragraphs=tuple(paragraphs),
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None or str(value).strip() in ("", "null") else str(value)


# ------------------------------------------------------------------ scoring


def evaluate_structure(folder: Path, name: str = "") -> StructureResult:
    """Ingest ``folder/docs`` as one batch and score it against ``folder/labels.yaml``."""
    folder = Path(folder)
    labels, problems = load_labels(folder / "labels.yaml")
    parsed, errors = _parse_batch(folder / "docs", [label.file for label in labels])
    documents = []
    for label in labels:
        if label.file in errors:
            documents.append(_failed(label, errors[label.file]))
        else:
            documents.append(score_document(label, parsed[label.file]))
    return StructureResult(name or folder.name, str(folder), documents, problems)


def _parse_batch(docs: Path, files: list[str]) -> tuple[dict[str, ParsedDocument], dict[str, str]]:
    loaded = {}
    errors: dict[str, str] = {}
    index = InMemoryLineIndex()
    for file in files:
        try:
            loaded[file] = load_file(docs / file)
        except DocumentError as exc:
            errors[file] = str(exc)
            continue
        index.add(file, candidate_fingerprints(loaded[file]))
    parsed = {}
    for file, doc in loaded.items():
        try:
            parsed[file] = parse_loaded(doc, index.excluding(file), doc_id=file)
        except DocumentError as exc:
            errors[file] = str(exc)
    return parsed, errors


def _failed(label: StructureLabel, error: str) -> DocumentScore:
    return DocumentScore(
        file=label.file,
        error=error,
        expected_title=label.title,
        expected_meta=_expected_meta(label),
        real_lines=len(label.paragraphs) + 1,
        lines_lost=[label.title, *(text for text, _ in label.paragraphs)],
        noise_lines=len(label.noise),
    )


def _expected_meta(label: StructureLabel) -> dict[str, Any]:
    return {"kind": label.kind, "year": label.year, "period": label.period, "org": label.org}


def score_document(label: StructureLabel, parsed: ParsedDocument) -> DocumentScore:
    """Compare one parsed file with its label."""
    structure, cleaned = parsed.structure, parsed.cleaned
    compact, positions = _compact_with_positions(cleaned.text)
    found = _locate(compact, label.paragraphs)
    lost = [text for (text, _), at in zip(label.paragraphs, found, strict=True) if at is None]
    if _compact(label.title) not in compact:
        lost.insert(0, label.title)
    located = sorted(
        (at, part) for (_, part), at in zip(label.paragraphs, found, strict=True) if at is not None
    )
    starts = [at for at, _ in located]
    wrong: list[tuple[str, str, str]] = []
    for passage in parsed.passages:
        at = bisect_right(positions, passage.start) - 1  # compact index of the passage's first character
        k = bisect_right(starts, max(at, 0)) - 1
        expected = located[k][1] if k >= 0 else "（非正文）"
        if passage.part != expected:
            wrong.append((passage.text[:20], passage.part, expected))
    return DocumentScore(
        file=label.file,
        title=structure.title,
        expected_title=label.title,
        meta={
            "kind": structure.kind,
            "year": structure.year,
            "period": structure.period,
            "org": structure.org,
        },
        expected_meta=_expected_meta(label),
        passages=len(parsed.passages),
        wrong_parts=wrong,
        noise_lines=len(label.noise),
        noise_left=_noise_left(label.noise, [line.text for line in cleaned.lines]),
        real_lines=len(label.paragraphs) + 1,
        lines_lost=lost,
    )


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _compact_with_positions(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace (NFKC), and for each kept character its offset in ``text``."""
    chars: list[str] = []
    positions: list[int] = []
    for offset, ch in enumerate(text):
        for norm in unicodedata.normalize("NFKC", ch):
            if not norm.isspace():
                chars.append(norm)
                positions.append(offset)
    return "".join(chars), positions


def _locate(compact: str, paragraphs: tuple[tuple[str, str], ...]) -> list[int | None]:
    """Where each labelled line starts in the compact text, searching forward in label order."""
    found: list[int | None] = []
    cursor = 0
    for text, _ in paragraphs:
        needle = _compact(text)
        at = compact.find(needle, cursor) if needle else -1
        if at < 0 and needle:
            at = compact.find(needle)  # out of order is still not lost
        found.append(at if at >= 0 else None)
        if at >= 0:
            cursor = max(cursor, at + len(needle))
    return found


def _noise_left(noise: tuple[str, ...], kept_lines: list[str]) -> list[str]:
    kept = [fp for fp in map(line_fingerprint, kept_lines) if fp]
    exact = Counter(kept)
    left: list[str] = []
    for line in noise:
        fp = line_fingerprint(line)
        if not fp:
            continue
        if exact[fp] > 0:
            exact[fp] -= 1
            left.append(line)
        elif len(fp) >= _LONG_NOISE and any(fp in other for other in kept):
            left.append(line)
    return left


# ------------------------------------------------------------------ printing


def _rate(right: int, total: int) -> str:
    return f"{right}/{total}  {100 * right / total:.1f}%" if total else "0/0"


def format_structure(result: StructureResult, *, details: bool = True) -> str:
    """The Chinese report `drafter eval structure` prints for one half."""
    n = len(result.documents)
    lines = [
        f"结构评测 {result.name}：{n} 份（{result.folder}）",
        f"  标题正确            {_rate(result.titles_right, n)}",
        f"  类型 kind           {_rate(result.meta_right('kind'), n)}",
        f"  年份 year           {_rate(result.meta_right('year'), n)}",
        f"  期间 period         {_rate(result.meta_right('period'), n)}",
        f"  单位 org            {_rate(result.meta_right('org'), n)}",
        f"  元数据四项全对      {_rate(result.meta_right('all'), n)}",
        f"  段落部分正确（按段）{_rate(result.passages_right, result.passages)}",
        f"  残留广告行          {result.noise_left}（标注的非正文行共 {result.noise_lines}）",
        f"  丢失正文行          {result.lines_lost}（标注的正文行共 {result.real_lines}，含标题）",
    ]
    lines += [f"  标注问题：{problem}" for problem in result.label_errors]
    if details:
        lines += _details(result)
    return "\n".join(lines)


def _details(result: StructureResult) -> list[str]:
    out: list[str] = []
    for d in result.documents:
        notes: list[str] = []
        if d.error:
            notes.append(f"    无法入库：{d.error}")
        elif not d.title_ok:
            notes.append(f"    标题：得到“{d.title}”，应为“{d.expected_title}”")
        for name in META_FIELDS:
            if d.error is None and not d.meta_ok(name):
                notes.append(f"    {name}：得到 {d.meta.get(name)!r}，应为 {d.expected_meta.get(name)!r}")
        notes += [f"    部分：“{text}…” 得到 {got}，应为 {want}" for text, got, want in d.wrong_parts]
        notes += [f"    残留：{line}" for line in d.noise_left]
        notes += [f"    丢失：{line}" for line in d.lines_lost if not d.error]
        if notes:
            out += [f"  {d.file}", *notes]
    return out
