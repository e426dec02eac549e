"""The export service: a draft version as a Word file, and page images of that file for a preview.

Anyone who may read a draft may export it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from drafting.model import Draft
from drafting.service.access import AccessPolicy
from drafting.service.ports import DraftRepository, PageRenderer
from drafting.service.views import Preview, user_errors
from drafting.word.export import Exporter
from drafting.word.preview import PreviewError, render_pages


class ExportService:
    """Word export and page preview of a draft."""

    def __init__(
        self,
        access: AccessPolicy,
        drafts: DraftRepository,
        exporter: Exporter,
        exports_dir: Path,
        render: PageRenderer | None = None,
    ) -> None:
        self._access = access
        self._drafts = drafts
        self._exporter = exporter
        self._exports_dir = exports_dir
        # How pages are rendered (tests pass their own; None: LibreOffice).
        self.render: PageRenderer = render or render_pages

    @user_errors
    def export_docx(
        self, name: str | None, draft_id: str, version: int | None = None, *, comments: bool = False
    ) -> Path:
        """The Word file of a version (the latest by default)."""
        user, _ = self._access.readable(name, draft_id)
        draft = self._drafts.get_version(draft_id, version).draft
        path = self._exporter.export(draft, self._export_dir() / _file_name(draft), comments=comments)
        self._access.record(user.name, "export", draft_id, f"{path.name}（第 {draft.version} 版）")
        return path

    @user_errors
    def preview(self, name: str | None, draft_id: str, version: int | None = None) -> Preview:
        """Page images of the Word file as LibreOffice lays it out; a note instead when it cannot."""
        docx_path = self.export_docx(name, draft_id, version)
        try:
            pages = self.render(docx_path, docx_path.parent / "pages")
        except PreviewError as exc:
            return Preview((), str(exc))
        return Preview(tuple(pages), "")

    def _export_dir(self) -> Path:
        # A fresh unguessable folder per export: the UI serves files by path, and one user's
        # export must not be reachable by guessing another's file name.
        out = self._exports_dir / uuid.uuid4().hex
        out.mkdir(parents=True, exist_ok=True)
        return out


def _file_name(draft: Draft) -> str:
    # Titles are Chinese and may hold characters no file system likes; keep letters, digits and CJK.
    safe = "".join(ch for ch in (draft.title or "") if ch.isalnum() or ch in "（）()-_—")[:60]
    return f"{safe or '材料'}-第{draft.version or 0}版.docx"
