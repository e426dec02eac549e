"""Reasoning blocks (<think>…</think>) that Qwen3, DeepSeek-R1 and kin put before the answer.

``strip_reasoning`` works on a whole answer; ``ReasoningFilter`` on a stream, where a tag may be
split across chunks ("<thi", "nk>"), so a live preview never shows the model's reasoning.
"""

from __future__ import annotations

import re

TAGS = ("think", "thinking", "reasoning")
_NAMES = "|".join(TAGS)
_BLOCK = re.compile(rf"<({_NAMES})\s*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_OPEN = re.compile(rf"<(?:{_NAMES})\s*>", re.IGNORECASE)
_CLOSE = re.compile(rf"</(?:{_NAMES})\s*>", re.IGNORECASE)
_OPEN_TAGS = tuple(f"<{t}>" for t in TAGS)
_CLOSE_TAGS = tuple(f"</{t}>" for t in TAGS)


def strip_reasoning(text: str) -> tuple[str, list[str]]:
    """The answer without reasoning blocks, and the blocks removed (tags included).

    A close tag with no open tag (chat templates that put ``<think>`` in the prompt) means
    everything before it was reasoning; an open tag never closed (cut off while thinking) means
    everything after it was.
    """
    removed: list[str] = []
    close = _CLOSE.search(text)
    first_open = _OPEN.search(text)
    if close and (first_open is None or close.start() < first_open.start()):
        removed.append(text[: close.end()])
        text = text[close.end() :]

    def take(match: re.Match[str]) -> str:
        removed.append(match.group(0))
        return ""

    text = _BLOCK.sub(take, text)
    dangling = _OPEN.search(text)
    if dangling:
        removed.append(text[dangling.start() :])
        text = text[: dangling.start()]
    stray = _CLOSE.search(text)
    while stray:  # a close tag left after the blocks went: drop the tag only
        removed.append(stray.group(0))
        text = text[: stray.start()] + text[stray.end() :]
        stray = _CLOSE.search(text)
    return text, removed


class ReasoningFilter:
    """Feeds streamed deltas through, holding back reasoning blocks and half-received tags."""

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False

    def feed(self, delta: str) -> str:
        """The part of the stream so far that is safe to show."""
        self._pending += delta
        shown: list[str] = []
        while True:
            if self._inside:
                match = _CLOSE.search(self._pending)
                if match is None:  # keep only what may be the start of the close tag
                    keep = _held_back(self._pending, _CLOSE_TAGS)
                    self._pending = self._pending[len(self._pending) - keep :]
                    return "".join(shown)
                self._pending = self._pending[match.end() :]
                self._inside = False
                continue
            match = _OPEN.search(self._pending)
            stray = _CLOSE.search(self._pending)
            if stray and (match is None or stray.start() < match.start()):
                shown.append(self._pending[: stray.start()])
                self._pending = self._pending[stray.end() :]
                continue
            if match is None:
                keep = _held_back(self._pending, _OPEN_TAGS + _CLOSE_TAGS)
                cut = len(self._pending) - keep
                shown.append(self._pending[:cut])
                self._pending = self._pending[cut:]
                return "".join(shown)
            shown.append(self._pending[: match.start()])
            self._pending = self._pending[match.end() :]
            self._inside = True

    def flush(self) -> str:
        """Whatever was held back at the end of the stream (nothing if inside a reasoning block)."""
        rest, self._pending = ("" if self._inside else self._pending), ""
        return rest


def _held_back(text: str, tags: tuple[str, ...]) -> int:
    """How many trailing characters of ``text`` could be the start of one of ``tags``."""
    lowered = text.lower()
    for size in range(min(len(lowered), max(len(t) for t in tags)), 0, -1):
        tail = lowered[-size:]
        if any(tag.startswith(tail) for tag in tags):
            return size
    return 0
