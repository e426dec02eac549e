"""Export: a draft version as a Word file, and page images of that file for a preview.

A mixin of DraftingService (drafting/service.py). Anyone who may read a draft may export it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafting.model import Draft
from drafting.service.access import DraftAccess
from drafting.service.views import Preview, user_errors
from drafting.settings import Settings
from drafting.word.preview import PreviewError, render_pages


class ExportActions(DraftAccess):
    """Word export and page preview of a draft, for DraftingService."""

    settings: Settings
    exporter: Any
    # Set by DraftingService: how pages are rendered (tests pass their own; None: LibreOffice).
    _render_pages: Callable[[Path, Path], list[Path]] | None

    def _export_dir(self) -> Path:
        # A fresh unguessable folder per export: the UI serves files by path, and one user's
        # export must not be reachable by guessing another's file name.
        out = self.settings.exports_dir / uuid.uuid4().hex
        out.mkdir(parents=True, exist_ok=True)
        return out

    @user_errors
    def export_docx(
        self, name: str | None, draft_id: str, version: int | None = None, *, comments: bool = False
    ) -> Path:
        """The Word file of a version (the latest by default)."""
        self._readable(name, draft_id)
        draft = self.drafts.get_version(draft_id, version).draft
        return self.exporter.export(draft, self._export_dir() / _file_name(draft), comments=comments)

    @user_errors
    def preview(self, name: str | None, draft_id: str, version: int | None = None) -> Preview:
        """Page images of the Word file as LibreOffice lays it out; a note instead when it cannot."""
        docx_path = self.export_docx(name, draft_id, version)
        render = self._render_pages or render_pages
        try:
            pages = render(docx_path, docx_path.parent / "pages")
        except PreviewError as exc:
            return Preview((), str(exc))
        return Preview(tuple(pages), "")


def _file_name(draft: Draft) -> str:
    # Titles are Chinese and may hold characters no file system likes; keep letters, digits and CJK.
    safe = "".join(ch for ch in (draft.title or "") if ch.isalnum() or ch in "（）()-_—")[:60]
    return f"{safe or '材料'}-第{draft.version or 0}版.docx"
