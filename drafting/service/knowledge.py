"""The knowledge-base service: upload past reports, list and open them, search them, remove them.

Anyone signed in may look and search; adding and removing documents need their own rights.
Uploads are copied under the data directory first (see ``upload_path``), so uploading a changed
file again replaces the old one and an unchanged one is skipped.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from drafting.service.access import AccessPolicy
from drafting.service.ports import KnowledgeSource
from drafting.service.views import FileResult, ServiceError, user_errors
from retrieval.documents import PARTS, Passage, SearchFilters, SearchHit
from retrieval.index.catalog import DocumentRecord
from retrieval.index.passage_vectors import IndexMismatchError
from retrieval.ingest.ingestion import DocumentOutcome, IngestFailure, IngestReport, Progress, file_sha256
from retrieval.search.query import QueryAids

log = logging.getLogger(__name__)
# The progress messages that end one file; the reading and parsing steps between are only noise.
FILE_OUTCOMES = ("已新增", "已替换", "未变化", "失败")


@dataclass(frozen=True)
class BackgroundIngest:
    """A folder being ingested while the pages are already served (`drafter serve --ingest DIR`)."""

    folder: str
    running: bool = True
    fraction: float = 0.0
    last: str = ""  # the latest file outcome ("已新增：…")
    summary: str = ""  # once finished: what was added, skipped, failed
    failed: bool = False  # the whole ingest stopped with an error (the summary says which)


class KnowledgeService:
    """Knowledge-base actions, each with its permission check."""

    def __init__(self, access: AccessPolicy, knowledge: KnowledgeSource, library: Path) -> None:
        self._access = access
        self._knowledge = knowledge
        # Uploads are copied here under their own names (same path, same document id on re-upload).
        self._library = library
        self._background: BackgroundIngest | None = None
        self._background_lock = threading.Lock()

    def warm_up(self) -> None:
        """Get the knowledge base ready now (a background thread at start-up) rather than at the
        first search: built, and one search run, which loads what every search needs (the
        embedding model, jieba's dictionary, the lexical index from its snapshot). Failures are
        logged: the first real search reports them to its user."""
        kb = self._knowledge.available()
        if kb is None:
            return
        started = time.monotonic()
        try:
            kb.search("工作", k=1)
        except Exception:  # noqa: BLE001 - a warm-up must never stop the server
            log.warning("warming up the knowledge base failed", exc_info=True)
            return
        log.info("knowledge base ready in %.1f s", time.monotonic() - started)

    @user_errors
    def ingest(
        self,
        name: str | None,
        files: Sequence[tuple[str, Path]],
        progress: Callable[[float, str], None] | None = None,
    ) -> list[FileResult]:
        """Add uploaded files (original name, temporary path) to the knowledge base, one result per file."""
        user = self._access.require(name, "add_documents")
        if not files:
            raise ServiceError("请先选择要上传的文件。")
        self._library.mkdir(parents=True, exist_ok=True)
        results: list[FileResult] = []
        to_ingest: list[Path | str] = []
        originals: dict[str, str] = {}
        batch: dict[Path, str] = {}  # stored path → sha256 of what this batch put there
        for original, temp in files:
            display = display_name(original)
            if not display:
                results.append(FileResult(original or "（无名文件）", "失败", 0, "文件名无效"))
                continue
            try:
                digest = file_sha256(Path(temp))
                target, display = upload_path(self._library, display, digest, batch)
                if batch.get(target) == digest:
                    results.append(FileResult(display, "未变化", 0, "与本批中的同名文件内容相同，已跳过"))
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(temp, target)
            except OSError as exc:
                results.append(FileResult(display, "失败", 0, f"无法保存上传的文件：{exc.strerror or exc}"))
                continue
            batch[target] = digest
            originals[display] = original
            to_ingest.append(target)
        if to_ingest:
            report = self._knowledge.get().ingest(to_ingest, progress=_progress_adapter(progress))
            results.extend(file_results(report))
        for r in results:
            was = originals.get(r.name, r.name)
            detail = f"{r.status} {r.passages} 段" + (f"：{r.reason}" if r.reason else "")
            if was != r.name:
                detail += f"（原文件名：{was}）"
            self._access.record(user.name, "ingest", r.name, detail, ok=r.status != "失败")
        return results

    def ingest_at_startup(self, folder: Path, progress: Callable[[float, str], None] | None = None) -> str:
        """For `drafter serve --ingest DIR`: ingest a folder (unchanged files skipped); a summary.

        When the stored vectors come from another embedding model (the configured or default model
        changed), they are rebuilt with the current one first: whoever starts the server with a
        folder to ingest wants a working index, and ingest would otherwise refuse to mix models."""
        kb = self._knowledge.get()
        rebuilt: list[str] = []
        try:
            kb.check_embedder()
        except IndexMismatchError:
            count = kb.rebuild(progress=_progress_adapter(progress))
            rebuilt.append(f"向量模型已更换，已用当前模型重建向量索引：{count} 个段落。")
        report = kb.ingest([folder], progress=_progress_adapter(progress))
        results = file_results(report)
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = "，".join(f"{status} {n} 个" for status, n in counts.items()) or "没有可入库的文件"
        failed = [f"  {r.name}：{r.reason}" for r in results if r.status in ("失败", "未重新清洗")]
        return "\n".join([*rebuilt, f"入库完成：{summary}。", *failed])

    def ingest_in_background(
        self,
        folder: Path,
        on_file: Callable[[float, str], None] | None = None,
        on_done: Callable[[BackgroundIngest], None] | None = None,
    ) -> threading.Thread:
        """Start :meth:`ingest_at_startup` on a thread; its progress is :meth:`background_ingest`.

        ``on_file`` hears each file's outcome, ``on_done`` the end (the CLI prints both).

        The page is served at once and the folder ingested beside it: embedding the sample corpus
        takes longer than starting the server, and search sees each document once it is committed."""
        self._set_background(BackgroundIngest(str(folder)))

        def progress(fraction: float, message: str) -> None:
            if message.startswith(FILE_OUTCOMES):
                self._set_background(fraction=fraction, last=message)
                if on_file is not None:
                    on_file(fraction, message)

        def run() -> None:
            try:
                summary = self.ingest_at_startup(folder, progress=progress)
                self._set_background(running=False, fraction=1.0, summary=summary)
            except Exception as exc:  # the pages stay useful without new documents: say so and go on
                log.exception("ingest at start-up failed")
                message = f"入库失败（{type(exc).__name__}：{exc}），网页端照常使用。"
                self._set_background(running=False, summary=message, failed=True)
            if on_done is not None and self._background is not None:
                on_done(self._background)

        thread = threading.Thread(target=run, name="startup-ingest", daemon=True)
        thread.start()
        return thread

    @user_errors
    def background_ingest(self, name: str | None) -> BackgroundIngest | None:
        """The start-up ingest, running or finished; None when there was none (anyone signed in)."""
        self._access.user(name)
        return self._background

    def _set_background(self, state: BackgroundIngest | None = None, **changes: Any) -> None:
        with self._background_lock:
            if state is not None:
                self._background = state
            elif self._background is not None:
                self._background = replace(self._background, **changes)

    @user_errors
    def documents(self, name: str | None) -> list[DocumentRecord]:
        """The documents in the knowledge base (any signed-in user may look)."""
        self._access.user(name)
        return list(self._knowledge.get().list_documents())

    @user_errors
    def document(self, name: str | None, id_or_path: str) -> DocumentRecord:
        """One document with its cleaned text and the lines cleaning removed."""
        self._access.user(name)
        try:
            doc = self._knowledge.get().get_document(id_or_path)
        except LookupError as exc:  # a file name shared by several documents
            raise ServiceError(str(exc)) from exc
        if doc is None:
            raise ServiceError(f"知识库中没有“{id_or_path}”。")
        return doc

    @user_errors
    def attention(self, name: str | None) -> dict[str, list[str]]:
        """Documents needing a person's look (no title, kind or period recognised, a part missing)."""
        self._access.user(name)
        return self._knowledge.get().attention()

    @user_errors
    def passages(self, name: str | None, doc_id: str) -> list[Passage]:
        """A document's passages with their parts, in order."""
        self._access.user(name)
        return self._knowledge.get().document_passages(self.document(name, doc_id).id)

    @user_errors
    def correct_document(self, name: str | None, doc_id: str, **fields: Any) -> DocumentRecord:
        """Correct title, kind, year, period or org (those who may add documents may correct them)."""
        self._access.require(name, "add_documents")
        try:
            return self._knowledge.get().correct_document(doc_id, **fields)
        except (LookupError, ValueError) as exc:
            raise ServiceError(str(exc)) from exc

    @user_errors
    def move_to_part(
        self,
        name: str | None,
        doc_id: str,
        part: str,
        *,
        passage_ids: Sequence[str] = (),
        heading: str | None = None,
    ) -> list[str]:
        """Move passages, or a heading with everything under it, to another part; the ids moved."""
        self._access.require(name, "add_documents")
        try:
            return self._knowledge.get().move_to_part(doc_id, part, passage_ids=passage_ids, heading=heading)
        except (LookupError, ValueError) as exc:
            raise ServiceError(str(exc)) from exc

    @user_errors
    def remove_document(self, name: str | None, id_or_path: str) -> list[FileResult]:
        """Remove a document and its passages (admins only). Returns the other documents cleaned
        again because the removed one shared a header or footer with them (usually none)."""
        user = self._access.require(name, "remove_documents")
        kb = self._knowledge.get()
        try:
            doc = kb.get_document(id_or_path)
        except LookupError:
            doc = None
        report = kb.remove_documents([id_or_path])
        if report.failed:  # not found, or a file name shared by several documents
            raise ServiceError(report.failed[0].reason.rstrip("。") + "。")
        label = f"{doc.source}（{doc.title}）" if doc else id_or_path
        self._access.record(user.name, "remove", label, f"文档 {doc.id}" if doc else "")
        return reclean_results(report.recleaned, report.not_recleaned)

    @user_errors
    def search(
        self,
        name: str | None,
        query: str,
        *,
        part: str | None = None,
        year: int | None = None,
        org: str | None = None,
        k: int = 8,
    ) -> list[SearchHit]:
        """Hybrid search over past reports; an empty query is a ServiceError, not an empty list."""
        self._access.user(name)
        if not (query or "").strip():
            raise ServiceError("请输入要检索的内容。")
        if part and part not in PARTS:
            raise ServiceError(f"部分“{part}”无效。")
        filters = SearchFilters(part=part or None, year=year or None, org=(org or "").strip() or None)  # type: ignore[arg-type]
        try:
            return list(
                self._knowledge.get().search(query.strip(), filters=filters, k=max(1, min(int(k), 50)))
            )
        except ValueError as exc:  # the knowledge base's messages for bad queries are Chinese
            raise ServiceError(str(exc)) from exc

    @user_errors
    def search_aids(self, name: str | None, query: str, *, part: str | None = None) -> QueryAids:
        """The related words and preferred parts a search for `query` uses, so the page can say
        why a passage without the writer's own words was found."""
        self._access.user(name)
        filters = SearchFilters(part=part if part in PARTS else None)  # type: ignore[arg-type]
        return self._knowledge.get().aids((query or "").strip(), filters)


# Characters Windows or a shell treats specially; replaced so a stored name is safe everywhere.
_RESERVED = set('<>:"|?*')
MAX_NAME_CHARS = 100


def display_name(original: str | None) -> str:
    """The name a person sees for an upload: the last part of what the browser sent (either kind
    of slash), NFC, without control characters, reserved characters replaced, no trailing dot or
    space, at most MAX_NAME_CHARS characters (the extension kept). "" when nothing usable is left."""
    last = (original or "").replace("\\", "/").split("/")[-1]
    text = unicodedata.normalize("NFC", last)
    text = "".join(
        "_" if ch in _RESERVED else ch for ch in text if not unicodedata.category(ch).startswith("C")
    )
    text = text.strip().rstrip(". ")
    # A leading dot marks a hidden file (".bashrc", macOS's "._报告.docx"): not a report.
    if not text or text.startswith(".") or set(text) <= {"_"}:
        return ""
    if len(text) > MAX_NAME_CHARS:
        stem, dot, suffix = text.rpartition(".")
        suffix = dot + suffix if dot and len(suffix) <= 8 else ""
        text = text[: MAX_NAME_CHARS - len(suffix)] + suffix
    return text


def upload_path(library: Path, display: str, digest: str, batch: dict[Path, str]) -> tuple[Path, str]:
    """Where an upload is stored: ``library/<generated folder>/<display name>``.

    The folder name is generated from the display name (a hash), never taken from the upload, so
    no name can reach outside the library; the same name lands in the same place, so uploading it
    again replaces the earlier document. A second file of the same name in one batch with other
    content gets its own folder and a numbered name ("报告（2）.docx") instead of overwriting the
    first. Returns the path and the display name used."""
    stem, dot, suffix = display.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot and stem else (display, "")
    for n in range(1, len(batch) + 2):
        name = display if n == 1 else f"{stem}（{n}）{suffix}"
        key = unicodedata.normalize("NFC", name).casefold().encode("utf-8")
        folder = hashlib.sha256(key).hexdigest()[:16]
        target = library / folder / name
        if n == 1 and (library / name).is_file():
            target = library / name  # stored by an earlier release under its own name: replace it there
        if target not in batch or batch[target] == digest:
            return target, name
    raise AssertionError("unreachable: one more name than the batch holds is always free")


_STAGE_LABELS = {
    "loading": "读取",
    "parsing": "解析入库",
    "added": "已新增",
    "replaced": "已替换",
    "unchanged": "未变化",
    "failed": "失败",
    "recleaning": "重新清洗",
    "recleaned": "已重新清洗",
}


def _progress_adapter(progress: Callable[[float, str], None] | None) -> Progress:
    """The knowledge base reports (file, index, total, status) in two passes; a bar wants one fraction.

    Reading all files is the first 30 %, parsing and indexing each the remaining 70 %; earlier
    documents cleaned again afterwards keep the bar full (their count is in the message).
    """

    def report(name: str, index: int, total: int, status: str) -> None:
        if progress is None:
            return
        share = index / max(total, 1)
        if status in ("recleaning", "recleaned"):
            fraction = 1.0
        elif status in ("loading", "unchanged"):
            fraction = 0.3 * share
        else:
            fraction = 0.3 + 0.7 * share
        progress(min(fraction, 1.0), f"{_STAGE_LABELS.get(status, status)}：{name}（{index}/{total}）")

    return report


def file_results(report: IngestReport) -> list[FileResult]:
    """One row per file of an ingest, in a fixed order: added, replaced, unchanged, failed, then
    the earlier documents cleaned again (or left as they were) because of this batch."""
    rows = [
        FileResult(Path(o.path).name, label, o.passages)
        for label, outcomes in (
            ("新增", report.added),
            ("已替换", report.replaced),
            ("未变化", report.unchanged),
        )
        for o in outcomes
    ]
    rows += [FileResult(Path(f.path).name, "失败", 0, f.reason) for f in report.failed]
    return rows + reclean_results(report.recleaned, report.not_recleaned)


def reclean_results(
    recleaned: Sequence[DocumentOutcome], not_recleaned: Sequence[IngestFailure]
) -> list[FileResult]:
    """Rows for earlier documents cleaned again after an ingest or a removal, and those left as they were."""
    rows = [FileResult(Path(o.path).name, "重新清洗", o.passages, o.note) for o in recleaned]
    return rows + [FileResult(Path(f.path).name, "未重新清洗", 0, f.reason) for f in not_recleaned]
