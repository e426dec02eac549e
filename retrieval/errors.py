"""Errors raised when a user's file cannot be turned into text.

Every problem with an input file surfaces as a subclass of `DocumentError`, whose message is in
Chinese and names the file, so a batch ingest can print it, skip the file and carry on.
"""

from __future__ import annotations

from pathlib import Path


class DocumentError(Exception):
    """A file that cannot be read as a report; ``str(err)`` is the message to show the user."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(self.path).name}：{reason}")


class UnsupportedFormatError(DocumentError):
    """The file extension is not one we can read."""


class EmptyDocumentError(DocumentError):
    """The file has no bytes, or nothing but whitespace and noise."""


class UndecodableError(DocumentError):
    """Bytes that are not text in any encoding we recognise (binary junk, or badly damaged text)."""


class CorruptDocumentError(DocumentError):
    """A .docx or .pdf whose container is damaged or is not what its extension claims."""


class NoTextLayerError(DocumentError):
    """A PDF made of page images only (a scan)."""


class ConversionError(DocumentError):
    """An old .doc/.wps file that LibreOffice is missing for, or failed to convert."""


class FileAccessError(DocumentError):
    """The file does not exist, is a directory or is unreadable."""


class TooLargeError(FileAccessError):
    """The file exceeds an ingest limit (size, characters, passages, unpacked size, pages)."""
