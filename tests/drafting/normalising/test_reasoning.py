"""Reasoning blocks, in whole answers and in streams whose chunks split the tags."""

from __future__ import annotations

import pytest

from drafting.normalising.reasoning import ReasoningFilter, strip_reasoning


def test_a_think_block_is_removed_and_returned():
    text, removed = strip_reasoning("<think>先想一想：\n要写3期。</think>\n\n举办培训班3期。")
    assert text.strip() == "举办培训班3期。"
    assert removed == ["<think>先想一想：\n要写3期。</think>"]


def test_tag_names_and_case_vary():
    text, removed = strip_reasoning("<THINKING>x</THINKING>甲。<reasoning>y</reasoning>乙。")
    assert text == "甲。乙。" and len(removed) == 2


def test_a_close_tag_without_an_open_tag_means_everything_before_it_was_reasoning():
    # Chat templates of some R1 distils put "<think>" in the prompt, so only "</think>" arrives.
    text, removed = strip_reasoning("我先分析事实……\n</think>\n正文。")
    assert text.strip() == "正文。" and removed == ["我先分析事实……\n</think>"]


def test_an_unclosed_block_swallows_the_rest():
    text, removed = strip_reasoning("正文。<think>被截断的思考")
    assert text == "正文。" and removed == ["<think>被截断的思考"]


def test_text_without_reasoning_is_untouched():
    assert strip_reasoning("举办培训班3期，<b>不是标签</b>。") == ("举办培训班3期，<b>不是标签</b>。", [])


ANSWER = "<think>这一节要写培训。\n数字是3期。</think>举办科级干部培训班3期，培训180人次。"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 64])
def test_the_stream_filter_never_shows_reasoning_whatever_the_chunk_size(size):
    shown = ReasoningFilter()
    out = [shown.feed(ANSWER[i : i + size]) for i in range(0, len(ANSWER), size)]
    out.append(shown.flush())
    assert "".join(out) == "举办科级干部培训班3期，培训180人次。"
    assert not any("<" in piece or "思考" in piece or "数字是" in piece for piece in out)


def test_the_stream_filter_lets_a_lone_angle_bracket_through_at_the_end():
    shown = ReasoningFilter()
    assert shown.feed("比较 a<") == "比较 a"
    assert shown.flush() == "<"


def test_the_stream_filter_drops_an_unclosed_block():
    shown = ReasoningFilter()
    assert shown.feed("正文。<thi") == "正文。"
    assert shown.feed("nk>思考中") == ""
    assert shown.flush() == ""
