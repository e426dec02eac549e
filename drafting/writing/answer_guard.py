"""Answers no report can use: one far too long, or not written in Chinese.

Both raise a ChatError with a Chinese message, so the section is marked failed (the others are
kept) and the writer can generate it again alone. The length is checked while the answer streams,
so an endpoint that ignores max_tokens is stopped instead of read to the end; the language once the
answer is normalised, so English courtesy text around a Chinese body does not count against it.
"""

from __future__ import annotations

from drafting.writing.chat import ChatError

# Below this many letters an answer is too short to judge its language (a placeholder, a list of
# numbers); above it, Chinese must be at least this share of the letters.
MIN_LETTERS_TO_JUDGE = 40
MIN_CHINESE_SHARE = 0.5


def check_length(received: int, max_chars: int) -> None:
    if max_chars and received > max_chars:
        raise ChatError(
            f"模型回答过长（已超过 {max_chars} 字仍未结束），已停止接收；请重新生成本节，"
            "或在设置中调整 DRAFTER_LLM__MAX_ANSWER_CHARS",
            kind="too_long",
        )


def check_language(text: str) -> None:
    chinese = foreign = 0
    for char in text:
        if _is_han(char):
            chinese += 1
        elif char.isalpha():
            foreign += 1
    letters = chinese + foreign
    if letters >= MIN_LETTERS_TO_JUDGE and chinese < MIN_CHINESE_SHARE * letters:
        raise ChatError(
            f"模型没有用中文作答（{letters} 个文字中只有 {chinese} 个汉字），请重新生成本节；"
            "多次出现时请检查模型设置或提示词",
            kind="language",
        )


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs (simplified and traditional)
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x20000 <= code <= 0x2FA1F  # extensions B–F and compatibility supplement
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
    )
