"""What ingestion needs around the knowledge base: the parser seam, finding the files, stable
document ids, progress callbacks and the report a user reads afterwards.

The parser seam wraps `retrieval.ingest.parsing` (written separately) so the knowledge base can be tested
with `ParagraphParser`, a small parser of plain UTF-8 files, and so parser errors arrive as one
exception type whose message is meant for the user.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from retrieval.documents import (
    PARTS,
    Block,
    CleanedDocument,
    Line,
    LoadedDocument,
    Passage,
    RemovedLine,
    ReportStructure,
)
from retrieval.ingest.limits import DEFAULT_LIMITS, Limits


class IngestError(Exception):
    """A file cannot be ingested; str(exc) is a Chinese message naming the file and the reason."""


# A short line held by at least this many OTHER documents counts as repeated across the corpus:
# the cleaner (retrieval.ingest.cleaning, `elsewhere >= 2`) and ParagraphParser both draw the line here, and
# the knowledge base re-cleans earlier documents when a batch moves a line across it.
REPEATED_ELSEWHERE = 2


class LineIndex(Protocol):
    def documents_containing(self, fingerprint: str) -> int: ...


class Parsed(Protocol):
    """What the knowledge base reads from a parsed document (retrieval.ingest.parsing.ParsedDocument)."""

    loaded: LoadedDocument
    cleaned: CleanedDocument
    structure: ReportStructure
    passages: list[Passage]


class DocumentParser(Protocol):
    suffixes: frozenset[str]

    def load(self, path: Path) -> LoadedDocument: ...

    def fingerprints(self, doc: LoadedDocument) -> set[str]:
        """Fingerprints of the short lines worth registering (headers, footers, contact lines)."""
        ...

    def parse(self, doc: LoadedDocument, line_index: LineIndex, *, doc_id: str, max_chars: int) -> Parsed: ...


class Progress(Protocol):
    def __call__(self, name: str, index: int, total: int, status: str) -> None:
        """`index` counts files from 1; status is loading / parsing / added / replaced /
        unchanged / failed, then recleaning / recleaned for earlier documents re-cleaned after
        the batch (their own count and total)."""
        ...


def no_progress(name: str, index: int, total: int, status: str) -> None:
    """The default progress callback: does nothing."""


class FacadeParser:
    """The real parser: retrieval.ingest.parsing and retrieval.ingest.cleaning, imported on first use."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        from retrieval.ingest import parsing

        self._parsing = parsing
        self.limits = limits
        self.suffixes = frozenset(s.lower() for s in parsing.SUPPORTED_SUFFIXES)

    def load(self, path: Path) -> LoadedDocument:
        try:
            return self._parsing.load_file(path, limits=self.limits)
        except self._parsing.DocumentError as exc:
            raise IngestError(str(exc)) from exc

    def fingerprints(self, doc: LoadedDocument) -> set[str]:
        from retrieval.ingest.cleaning import candidate_fingerprints

        return set(candidate_fingerprints(doc))

    def parse(self, doc: LoadedDocument, line_index: LineIndex, *, doc_id: str, max_chars: int) -> Any:
        try:
            return self._parsing.parse_loaded(doc, line_index, doc_id=doc_id, max_chars=max_chars)  # type: ignore[arg-type]
        except self._parsing.DocumentError as exc:
            raise IngestError(str(exc)) from exc


# ------------------------------------------------------------------ a small parser for tests


@dataclass(frozen=True)
class SimpleParsed:
    loaded: LoadedDocument
    cleaned: CleanedDocument
    structure: ReportStructure
    passages: list[Passage]


def _fingerprint(text: str) -> str:
    return hashlib.sha1("".join(text.split()).encode("utf-8")).hexdigest()[:16]


_YEAR = re.compile(r"(20\d\d)年")


def _is_marker(text: str) -> bool:
    return text.startswith("# ") and text[2:].strip() in PARTS


class ParagraphParser:
    """Plain UTF-8 .txt/.md files: first line is the title, each further line a passage.

    A line "# problems" (any part name) switches the outline part of the lines after it; a short
    line found in two or more other documents is removed as a repeated header. Enough structure to
    test ingestion, filters and cleaning audits without the real parser.
    """

    suffixes = frozenset({".txt", ".md"})

    def load(self, path: Path) -> LoadedDocument:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{path.name}：无法按 UTF-8 解码（{exc.reason}）") from exc
        lines = [Line(t.strip()) for t in text.splitlines() if t.strip()]
        if not lines:
            raise IngestError(f"{path.name}：文件为空")
        return LoadedDocument(path=str(path), lines=lines, encoding="utf-8")

    def fingerprints(self, doc: LoadedDocument) -> set[str]:
        return {
            _fingerprint(line.text)
            for line in doc.lines
            if len(line.text) <= 30 and not _is_marker(line.text)
        }

    def parse(
        self, doc: LoadedDocument, line_index: LineIndex, *, doc_id: str, max_chars: int
    ) -> SimpleParsed:
        kept: list[Line] = []
        removed: list[RemovedLine] = []
        for n, line in enumerate(doc.lines):
            short = len(line.text) <= 30 and not _is_marker(line.text)
            others = line_index.documents_containing(_fingerprint(line.text)) if short else 0
            if n > 0 and others >= REPEATED_ELSEWHERE:
                removed.append(RemovedLine(n, line.text, f"repeated across {others + 1} files"))
            else:
                kept.append(line)
        starts, offset = [], 0
        for line in kept:
            starts.append(offset)
            offset += len(line.text) + 1
        text = "\n".join(line.text for line in kept)
        title = kept[0].text
        year_match = _YEAR.search(title)
        year = int(year_match.group(1)) if year_match else None
        org = title[: year_match.start()] or None if year_match else None
        period = next((f"{year}年{p}" for p in ("上半年", "第一季度", "全年") if year and p in title), None)
        blocks: list[Block] = []
        passages: list[Passage] = []
        part, heading = "opening", ""
        source = Path(doc.path).name
        for line, start in zip(kept[1:], starts[1:], strict=True):
            if _is_marker(line.text):
                part, heading = line.text[2:].strip(), line.text[2:].strip()
                blocks.append(Block("heading", line.text, start, start + len(line.text), part, level=1))  # type: ignore[arg-type]
                continue
            end = start + min(len(line.text), max_chars)
            passages.append(
                Passage(
                    id=f"{doc_id}:{len(passages)}",
                    doc_id=doc_id,
                    text=text[start:end],
                    source=source,
                    title=title,
                    period=period,
                    year=year,
                    org=org,
                    kind="other",
                    part=part,  # type: ignore[arg-type]
                    heading=heading,
                    start=start,
                    end=end,
                )
            )
        cleaned = CleanedDocument(doc.path, text, kept, starts, removed)
        structure = ReportStructure(title, None, None, period, year, org, "other", blocks)
        return SimpleParsed(doc, cleaned, structure, passages)


# ------------------------------------------------------------------ files and ids


def document_id(path: Path) -> str:
    """A short id that stays the same for the same file location."""
    return hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:12]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(paths: Iterable[Path | str], suffixes: frozenset[str]) -> tuple[list[Path], list[IngestFailure]]:
    """Expand folders (recursively) into the supported files they hold; report paths that are
    missing or of an unsupported type. Each file appears once, in a stable order."""
    found: dict[Path, Path] = {}
    problems: list[IngestFailure] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                # Office lock files ("~$x.docx") and hidden files are never reports.
                if (
                    child.is_file()
                    and child.suffix.lower() in suffixes
                    and not child.name.startswith(("~$", "."))
                ):
                    found.setdefault(child.resolve(), child)
        elif path.is_file():
            if path.suffix.lower() in suffixes:
                found.setdefault(path.resolve(), path)
            else:
                wanted = "、".join(sorted(suffixes))
                problems.append(
                    IngestFailure(
                        str(path), f"不支持的文件类型“{path.suffix or '无扩展名'}”（支持 {wanted}）"
                    )
                )
        else:
            problems.append(IngestFailure(str(path), "文件或文件夹不存在"))
    return list(found.values()), problems


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class DocumentOutcome:
    path: str
    doc_id: str
    title: str
    passages: int
    note: str = ""  # why an earlier document was re-cleaned


@dataclass(frozen=True)
class IngestFailure:
    path: str
    reason: str


# Why an earlier document was re-cleaned, by the direction its shared lines moved.
RECLEAN_SHARED_FOUND = "发现与其他文件共有的页眉页脚"
RECLEAN_SHARED_GONE = "原先与其他文件共有的行已不再重复，予以恢复"


@dataclass
class IngestReport:
    added: list[DocumentOutcome] = field(default_factory=list)
    replaced: list[DocumentOutcome] = field(default_factory=list)
    unchanged: list[DocumentOutcome] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    # Earlier documents whose cleaned text changed because this batch changed which lines repeat
    # across files, and those that needed it but could not be (missing or changed source, error):
    # the latter keep their old cleaned text and passages.
    recleaned: list[DocumentOutcome] = field(default_factory=list)
    not_recleaned: list[IngestFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def passages_written(self) -> int:
        return sum(o.passages for o in self.added + self.replaced + self.recleaned)

    def summary(self) -> str:
        """A few Chinese lines for the CLI and the UI."""
        recleaned = f"，重新清洗 {len(self.recleaned)} 份" if self.recleaned else ""
        lines = [
            f"新增 {len(self.added)} 份，更新 {len(self.replaced)} 份，未变化 {len(self.unchanged)} 份，"
            f"失败 {len(self.failed)} 份{recleaned}；写入段落 {self.passages_written} 个。"
        ]
        for label, outcomes in (("新增", self.added), ("更新", self.replaced)):
            lines += [f"  {label}：{Path(o.path).name}（{o.passages} 段）" for o in outcomes]
        for failure in self.failed:
            lines.append(f"  失败：{_named(failure)}")
        return "\n".join(lines + reclean_lines(self.recleaned, self.not_recleaned))


@dataclass
class RemovalReport:
    """What removing documents did: the documents removed, the targets not found, and the earlier
    documents re-cleaned because a removed file took a shared header or footer with it."""

    removed: list[DocumentOutcome] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)  # `path` is the target as given
    recleaned: list[DocumentOutcome] = field(default_factory=list)
    not_recleaned: list[IngestFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def reclean_lines(recleaned: Sequence[DocumentOutcome], not_recleaned: Sequence[IngestFailure]) -> list[str]:
    """Summary lines for the earlier documents re-cleaned (or left as they were) after a change."""
    lines = [f"  重新清洗：{Path(o.path).name}（{o.note}，{o.passages} 段）" for o in recleaned]
    for failure in not_recleaned:
        name = Path(failure.path).name
        # The reason may name the source's full path; the file name still leads the line.
        named = failure.reason if failure.reason.startswith(name) else f"{name}：{failure.reason}"
        lines.append(f"  未重新清洗：{named}")
    return lines


def _named(failure: IngestFailure) -> str:
    name = Path(failure.path).name
    # Parser messages already name the file; do not say it twice.
    return failure.reason if name in failure.reason else f"{name}：{failure.reason}"


def outline_of(blocks: Sequence[Block]) -> list[tuple[str, str, int]]:
    """(heading text, part, level) of each heading block, for `docs show`."""
    return [(b.text, b.part, b.level) for b in blocks if b.kind == "heading"]
