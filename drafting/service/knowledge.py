"""The knowledge-base actions of the service: build it on first use, upload, list, open, search, remove.

A mixin of DraftingService (drafting/service.py), kept apart so each module stays readable; it
uses the service's users and settings, and the other actions reach the knowledge base through it.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from drafting.service.access import DraftAccess
from drafting.service.components import build_knowledge_base
from drafting.service.views import FileResult, ServiceError, user_errors
from drafting.settings import Settings
from retrieval.documents import PARTS, SearchFilters, SearchHit
from retrieval.ingest.ingestion import DocumentOutcome, IngestFailure, IngestReport
from retrieval.search.query import QueryAids

# One logger name for the whole service, whichever of its modules a line comes from.
log = logging.getLogger("drafting.service.facade")


class SharedKnowledgeBase:
    """The knowledge base shared by every session of the server: many readers, one writer.

    Searches and look-ups run side by side; an ingest or a removal waits for them and runs alone,
    because it rewrites the in-memory lexical index that searches read. A search started during an
    upload therefore waits for the upload to finish rather than reading a half-updated index.
    """

    _READS = ("search", "get_passage", "passages", "list_documents", "get_document")
    _WRITES = ("ingest", "remove", "remove_documents", "rebuild")

    def __init__(self, kb: Any) -> None:
        self._kb = kb
        self._lock = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._kb, name)
        if name in self._READS:
            return self._guarded(target, exclusive=False)
        if name in self._WRITES:
            return self._guarded(target, exclusive=True)
        return target

    def _guarded(self, method: Callable, *, exclusive: bool) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if exclusive:
                    self._writers_waiting += 1
                    self._lock.wait_for(lambda: not self._writing and self._readers == 0)
                    self._writers_waiting -= 1
                    self._writing = True
                else:
                    # Writers go first once waiting, so a stream of searches cannot starve an upload.
                    self._lock.wait_for(lambda: not self._writing and self._writers_waiting == 0)
                    self._readers += 1
            try:
                return method(*args, **kwargs)
            finally:
                with self._lock:
                    if exclusive:
                        self._writing = False
                    else:
                        self._readers -= 1
                    self._lock.notify_all()

        return call


class KnowledgeActions(DraftAccess):
    """Knowledge-base actions of DraftingService, with their permission checks."""

    settings: Settings
    # Set by DraftingService: what builds the knowledge base, and the shared one once built.
    _kb_source: Any | Callable[[], Any] | None
    _kb: Any | None
    _kb_lock: threading.Lock

    def knowledge_base(self) -> Any:
        """The knowledge base, built on first use (loading the embedding model takes a while)."""
        if self._kb is None:
            with self._kb_lock:
                if self._kb is None:
                    source = self._kb_source
                    kb = source() if callable(source) else build_knowledge_base(self.settings)
                    self._kb = None if kb is None else SharedKnowledgeBase(kb)
        return self._kb

    def warm_up(self) -> None:
        """Build the knowledge base now (e.g. in a background thread at start-up) rather than on first use."""
        self._kb_or_none()

    def _kb_or_none(self) -> Any | None:
        try:
            return self.knowledge_base()
        except Exception:
            log.exception("knowledge base unavailable")
            return None

    # ------------------------------------------------------------ knowledge base

    def _library(self) -> Path:
        # Uploads are copied here under their own names, so uploading a changed file again replaces
        # the old one (same path, same document id) and an unchanged one is skipped.
        return self.settings.home / "library"

    @user_errors
    def ingest(
        self,
        name: str | None,
        files: Sequence[tuple[str, Path]],
        progress: Callable[[float, str], None] | None = None,
    ) -> list[FileResult]:
        """Add uploaded files (original name, temporary path) to the knowledge base, one result per file."""
        self.users.require(name, "add_documents")
        if not files:
            raise ServiceError("请先选择要上传的文件。")
        library = self._library()
        library.mkdir(parents=True, exist_ok=True)
        results: list[FileResult] = []
        to_ingest: list[Path] = []
        for original, temp in files:
            safe = Path(original or "").name.strip()
            if not safe or safe.startswith("."):
                results.append(FileResult(original or "（无名文件）", "失败", 0, "文件名无效"))
                continue
            target = library / safe
            try:
                shutil.copyfile(temp, target)
            except OSError as exc:
                results.append(FileResult(safe, "失败", 0, f"无法保存上传的文件：{exc.strerror or exc}"))
                continue
            to_ingest.append(target)
        if to_ingest:
            report = self.knowledge_base().ingest(to_ingest, progress=_progress_adapter(progress))
            results.extend(file_results(report))
        return results

    def ingest_at_startup(self, folder: Path, progress: Callable[[float, str], None] | None = None) -> str:
        """For `drafter serve --ingest DIR`: ingest a folder (unchanged files skipped); a one-line summary."""
        report = self.knowledge_base().ingest([folder], progress=_progress_adapter(progress))
        results = file_results(report)
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = "，".join(f"{status} {n} 个" for status, n in counts.items()) or "没有可入库的文件"
        failed = [f"  {r.name}：{r.reason}" for r in results if r.status in ("失败", "未重新清洗")]
        return "\n".join([f"入库完成：{summary}。", *failed])

    @user_errors
    def documents(self, name: str | None) -> list[Any]:
        """The documents in the knowledge base (any signed-in user may look)."""
        self.user(name)
        return list(self.knowledge_base().list_documents())

    @user_errors
    def document(self, name: str | None, id_or_path: str) -> Any:
        """One document with its cleaned text and the lines cleaning removed."""
        self.user(name)
        try:
            doc = self.knowledge_base().get_document(id_or_path)
        except LookupError as exc:  # a file name shared by several documents
            raise ServiceError(str(exc)) from exc
        if doc is None:
            raise ServiceError(f"知识库中没有“{id_or_path}”。")
        return doc

    @user_errors
    def remove_document(self, name: str | None, id_or_path: str) -> list[FileResult]:
        """Remove a document and its passages (admins only). Returns the other documents cleaned
        again because the removed one shared a header or footer with them (usually none)."""
        self.users.require(name, "remove_documents")
        report = self.knowledge_base().remove_documents([id_or_path])
        if report.failed:  # not found, or a file name shared by several documents
            raise ServiceError(report.failed[0].reason.rstrip("。") + "。")
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
        self.user(name)
        if not (query or "").strip():
            raise ServiceError("请输入要检索的内容。")
        if part and part not in PARTS:
            raise ServiceError(f"部分“{part}”无效。")
        filters = SearchFilters(part=part or None, year=year or None, org=(org or "").strip() or None)  # type: ignore[arg-type]
        try:
            return list(
                self.knowledge_base().search(query.strip(), filters=filters, k=max(1, min(int(k), 50)))
            )
        except ValueError as exc:  # the knowledge base's messages for bad queries are Chinese
            raise ServiceError(str(exc)) from exc

    @user_errors
    def search_aids(self, name: str | None, query: str, *, part: str | None = None) -> QueryAids:
        """The related words and preferred parts a search for `query` uses, so the page can say
        why a passage without the writer's own words was found."""
        self.user(name)
        filters = SearchFilters(part=part if part in PARTS else None)  # type: ignore[arg-type]
        return self.knowledge_base().aids((query or "").strip(), filters)


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


def _progress_adapter(progress: Callable[[float, str], None] | None) -> Callable[[str, int, int, str], None]:
    """The knowledge base reports (file, index, total, status) in two passes; a bar wants one fraction.

    Reading all files is the first 30 %, parsing and indexing each the remaining 70 %; earlier
    documents cleaned again afterwards keep the bar full (their count is in the message).
    """

    def report(file_name: str, index: int, total: int, status: str) -> None:
        if progress is None:
            return
        share = index / max(total, 1)
        if status in ("recleaning", "recleaned"):
            fraction = 1.0
        elif status in ("loading", "unchanged"):
            fraction = 0.3 * share
        else:
            fraction = 0.3 + 0.7 * share
        progress(min(fraction, 1.0), f"{_STAGE_LABELS.get(status, status)}：{file_name}（{index}/{total}）")

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
