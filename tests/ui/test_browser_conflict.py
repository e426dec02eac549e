"""Two windows of one writer save the same section: the second is told, and resolves it either way.

A writer of our own (writer4) so that the other browser tests' draft lists stay as they expect."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.ui.page_actions import choose, field, prepare_draft, tab

WRITER = "writer4"
FACTS = """【工作】
干部教育培训：举办科级干部培训班3期，培训干部180人次
【计划】
干部教育培训：下半年再举办专题培训班2期
"""


def _open_section(page) -> None:
    tab(page, "② 分节起草")
    choose(page, "section-pick", re.compile("工作.*干部教育培训"))
    expect(page.locator("#section-info")).to_contain_text(re.compile(r"当前小节：工作.*干部教育培训"))


def _write(page, text: str) -> None:
    editor = field(page, "editor")
    editor.fill(text)
    page.locator("#save-section").click()


def _conflict(page):
    # Gradio nests a group in a wrapper that carries the same id; the outer one shows or hides both.
    return page.locator("#save-conflict").first


def test_a_conflicting_save_is_kept_or_replaced_by_choice(sign_in) -> None:
    _, first = sign_in(WRITER)
    prepare_draft(first, "溪口镇人民政府", "2026年上半年", "2026年下半年", FACTS)
    _, second = sign_in(WRITER)
    choose(second, "draft-pick", re.compile("溪口镇"))
    second.locator("#draft-open").click()
    second.locator("#draft-status").get_by_text("第 1 版").wait_for()
    _open_section(first)
    _open_section(second)

    _write(first, "第一个窗口：举办科级干部培训班3期。")
    first.locator("#draft-status").get_by_text("第 2 版").wait_for()

    # The second window still edits version 1: nothing is saved, and it is told so.
    _write(second, "第二个窗口：培训干部180人次。")
    conflict = _conflict(second)
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("你的修改尚未保存")
    expect(second.locator("#draft-status")).to_contain_text("第 1 版")
    second.locator("#conflict-mine").click()
    second.locator("#draft-status").get_by_text("第 3 版").wait_for()
    expect(conflict).to_be_hidden()
    expect(field(second, "editor")).to_have_value("第二个窗口：培训干部180人次。")
    expect(second.locator("#full-draft")).to_contain_text("第二个窗口")

    # Now the first window is behind; it takes the other text instead of its own.
    _write(first, "第一个窗口又改了一次。")
    expect(_conflict(first)).to_be_visible()
    first.locator("#conflict-theirs").click()
    expect(field(first, "editor")).to_have_value("第二个窗口：培训干部180人次。")
    expect(_conflict(first)).to_be_hidden()
    expect(first.locator("#draft-status")).to_contain_text("第 3 版")
    # Its next save starts from version 3 and goes through.
    _write(first, "第一个窗口在第3版上修改。")
    first.locator("#draft-status").get_by_text("第 4 版").wait_for()
    expect(_conflict(first)).to_be_hidden()
