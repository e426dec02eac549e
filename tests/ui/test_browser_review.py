"""The writer–reviewer loop and the drafting page in a real browser (headless Chromium, 1440 px).

A writer of our own (writer3) drafts, stops a generation half-way, edits a section by hand and
sends it with a flag still open; a reviewer of our own (reviewer2) comments on selected words,
tries to return without a reason, returns with one; the writer sees the reason where they edit,
fixes the text, resends; the reviewer approves over what is still open. Both see the history.
The users are added here, so the order of test_browser.py's own journey does not matter.

Screenshots go to a folder under pytest's temporary directory, printed at the end of the module.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from page_actions import choose, field, need, prepare_draft, shot, tab
from playwright.sync_api import expect

from drafting.writing.stub_llm import facts_responder

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
REPORT = REPO / "corpus" / "reports" / "2025-青川区委组织部-上半年工作总结.docx"
PASSWORD = "browser-test-pass"
WRITER, REVIEWER = "writer3", "reviewer2"
PERIOD = "2027年上半年"
FACTS = """【工作】
干部教育培训：举办科级干部培训班3期，培训干部180人次
基层组织建设：完成12个软弱涣散村党组织整顿
【问题】
基层党组织书记年龄结构偏大
【计划】
干部教育培训：下半年再举办专题培训班2期
基层组织建设：下半年完成剩余5个村党组织整顿
"""
# Long enough to be quoted by sentences; its numbers have no facts behind them.
UNSUPPORTED = (
    "全年累计开展专题调研16次，形成调研报告8篇，其中3篇获区领导批示。"
    "各基层党组织共召开组织生活会312场，参会党员4200人次，覆盖全部支部。"
    "全年新建党群服务中心987个，实现行政村全覆盖。"
    "下一步将持续巩固基层组织建设成果，推动各项工作落地见效，切实把组织优势转化为发展优势。"
    "同时加强督促检查，确保各项任务按期完成、取得实效。"
)
RETURN_REASON = "第（一）部分的987个党群服务中心没有出处，请核实后修改。"
state: dict[str, str] = {}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("review-screenshots")
    yield folder
    print(f"\nscreenshots: {folder}")  # shown with -s; the paths are also in each test's output


@pytest.fixture(scope="module", autouse=True)
def users(server) -> None:
    for name, role in ((WRITER, "writer"), (REVIEWER, "reviewer")):
        done = subprocess.run(
            [sys.executable, "-m", "drafting", "users", "add", name, "--role", role, "--password-stdin"],
            input=PASSWORD + "\n",
            env=server.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 or "已存在" in done.stderr, done.stderr


def _open_mine(page) -> None:
    choose(page, "draft-pick", re.compile(PERIOD))
    page.locator("#draft-open").click()
    page.locator("#draft-status").get_by_text(PERIOD).wait_for()


def _no_error_badges(page) -> None:
    # Gradio marks the outputs of a failed event with a red "错误" label; a refusal must not.
    expect(page.get_by_text("错误", exact=True).filter(visible=True)).to_have_count(0)


def test_knowledge_page_searches_first_and_fits_1440(sign_in, shots: Path) -> None:
    context, page = sign_in(WRITER)
    tab(page, "知识库")
    search_top = page.locator("#kb-query").bounding_box()["y"]
    assert search_top < page.locator("#kb-upload").bounding_box()["y"]
    page.locator("#kb-upload input[type=file]").set_input_files([str(REPORT)])
    expect(page.locator("#kb-upload")).to_contain_text("上半年工作总结")
    page.locator("#kb-ingest").click()
    page.locator("#kb-results").get_by_text(re.compile("新增|未变化")).filter(visible=True).first.wait_for(
        timeout=120_000
    )
    page.locator("#kb-docs").get_by_text(REPORT.name).filter(visible=True).first.wait_for()
    # Every column of the documents table is inside the table's frame, none squeezed to one character.
    frame = page.locator("#kb-docs").bounding_box()
    for header in ("序号", "待核对"):
        cell = page.locator("#kb-docs th").filter(has_text=header).filter(visible=True).first.bounding_box()
        assert frame["x"] <= cell["x"] and cell["x"] + cell["width"] <= frame["x"] + frame["width"] + 1
        assert cell["height"] < 60, f"{header} header wraps: {cell}"
    shot(page, shots, "r01-knowledge")
    state["kb"] = "yes"
    context.close()


def test_drafting_page_progress_tags_picker_and_cancel(sign_in, stub, shots: Path) -> None:
    need(state, "kb")
    context, page = sign_in(WRITER)
    prepare_draft(page, "青川区委组织部", PERIOD, "2027年下半年", FACTS)
    expect(page.locator("#progress")).to_contain_text("尚未生成")

    # The picker: every label unique, carrying its part; the open one is named under it.
    page.locator("#section-pick input").click()
    page.get_by_role("option").first.wait_for()
    labels = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
    assert len(labels) == len(set(labels)) and len(labels) >= 8, labels
    assert any(re.fullmatch(r"工作（一）.+", x) for x in labels), labels
    assert any(re.fullmatch(r"计划（一）.+", x) for x in labels), labels
    work_one = next(x for x in labels if x.startswith("工作（一）"))
    page.get_by_role("option", name=work_one, exact=True).click()
    expect(page.locator("#section-pick input")).to_have_value(work_one)
    expect(page.locator("#section-info")).to_contain_text(f"当前小节：{work_one}")

    # The exemplar table: tick boxes and scores on one line, rows of normal height.
    table = page.locator("#exemplars")
    table.get_by_text(re.compile(r"\.docx")).filter(visible=True).first.wait_for()
    for header in ("固定", "排除", "得分"):
        box = table.locator("th").filter(has_text=header).first.bounding_box()
        assert box["height"] < 60, f"{header} header wraps: {box}"
    scores = table.get_by_text(re.compile(r"^\d\.\d\d$")).filter(visible=True)
    assert scores.count() >= 1
    heights = [scores.nth(i).bounding_box()["height"] for i in range(scores.count())]
    assert max(heights) < 130, heights
    shot(page, shots, "r02-prepared")

    # Stop a generation half-way: nothing is saved and the page shows the saved draft again.
    stub.set_responder(lambda messages: (time.sleep(3), facts_responder(messages))[1])
    try:
        page.locator("#gen-all").click()
        page.locator("#full-draft .streaming").wait_for()
        page.locator("#cancel").click()
        expect(page.locator("#progress")).to_contain_text("已停止", timeout=60_000)
    finally:
        stub.set_responder(None)
    expect(page.locator("#full-draft .streaming")).to_have_count(0)
    expect(page.locator("#draft-status")).to_contain_text("第 1 版")
    shot(page, shots, "r03-cancelled")

    page.locator("#gen-all").click()
    page.locator("#draft-status").get_by_text("第 2 版").wait_for(timeout=120_000)
    state["generated"] = "yes"
    context.close()

    # Reopening a generated draft shows how far it got, not "0/0 · 等待开始".
    context, page = sign_in(WRITER)
    _open_mine(page)
    tab(page, "② 分节起草")
    progress = page.locator("#progress")
    expect(progress).to_contain_text(re.compile(r"已完成 (\d+)/\1 节"))
    expect(progress).not_to_contain_text("等待开始")
    # One tag per section, on its heading line.
    per_section = page.locator("#full-draft .doc-section").evaluate_all(
        "els => els.map(e => e.querySelectorAll('.doc-mode').length)"
    )
    assert max(per_section) == 1 and sum(per_section) >= 6, per_section
    # The stub's bare 【待补充】 answers (fact-less sections) get the composer's text and tag.
    expect(page.locator("#full-draft .doc-mode").filter(has_text="模型 stub-model").first).to_be_visible()

    # A hand edit: that section's tag becomes 人工修改, the others keep the model's name.
    choose(page, "section-pick", work_one)
    # The editor and the section line change in one update; until then the editor still holds the
    # section opened before, which may also speak of 培训.
    expect(page.locator("#section-info")).to_contain_text(f"当前小节：{work_one}")
    editor = field(page, "editor")
    expect(editor).to_have_value(re.compile("举办科级干部培训班3期"))
    state["original"] = editor.input_value()
    editor.fill(state["original"] + "\n" + UNSUPPORTED)
    page.locator("#save-section").click()
    page.locator("#draft-status").get_by_text("第 3 版").wait_for()
    edited = page.locator("#full-draft .doc-section").filter(has_text="987")
    expect(edited.locator(".doc-mode")).to_have_text("人工修改")
    expect(page.locator("#full-draft .doc-mode").filter(has_text="模型 stub-model").first).to_be_visible()
    expect(page.locator("#section-info")).to_contain_text("人工修改")
    shot(page, shots, "r04-edited")

    # Sending with flags open asks; cancelling sends nothing; confirming records the override.
    tab(page, "⑤ 批注和送审")
    page.locator("#submit").click()
    expect(page.locator("#submit-confirm-msg")).to_contain_text("核对标记未处理。仍要送审吗")
    shot(page, shots, "r05-confirm-submit")
    page.locator("#submit-confirm-no").click()
    expect(page.locator("#writer-review-msg")).to_contain_text("已取消")
    expect(page.locator("#submit-confirm")).to_be_hidden()
    expect(page.locator("#draft-status")).to_contain_text("起草中")
    page.locator("#submit").click()
    page.locator("#submit-confirm-yes").click()
    page.locator("#draft-status").get_by_text("待审核").wait_for()
    expect(page.locator("#writer-review-msg")).to_contain_text("已记入审核记录")
    history = page.locator("#writer-history")
    expect(history).to_contain_text("送审")
    expect(history).to_contain_text("核对标记")
    state["submitted"] = work_one
    context.close()


def _select_and_click(paragraph, words: str) -> None:
    """Select ``words`` inside a paragraph and click it, as a reviewer dragging over them does."""
    paragraph.evaluate(
        """(p, words) => {
          const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            break;
          }
          p.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        }""",
        words,
    )


def test_reviewer_comments_refuses_an_empty_return_then_returns(sign_in, shots: Path) -> None:
    need(state, "submitted")
    context, page = sign_in(REVIEWER)
    # Nothing open yet: the page speaks to a reviewer, not about preparing a draft.
    expect(page.locator("#review-draft")).to_contain_text("尚未打开待审材料")
    expect(page.locator("#review-draft")).not_to_contain_text("准备起草")
    expect(page.locator("#review-status")).to_contain_text("待审")
    shot(page, shots, "r06-reviewer-start")

    choose(page, "review-pick", re.compile(PERIOD))
    page.locator("#review-open").click()
    expect(page.locator("#review-history")).to_contain_text("核对标记")
    paragraph = page.locator("#review-draft p.clickable").filter(has_text="987").first
    _select_and_click(paragraph, "987")
    sources = page.locator("#review-sources")
    sources.get_by_text("所选段落").wait_for()
    page.locator("#review-draft p.selected").wait_for()
    field(page, "comment-text").fill("987 个党群服务中心从何而来？")
    page.locator("#comment-add").click()
    comments = page.locator("#review-comments")
    comments.get_by_text("987 个党群服务中心从何而来").wait_for()
    quote = comments.locator(".muted").last.inner_text()
    # The quote holds the commented words in whole sentences, from the sentence they are in.
    assert "全年新建党群服务中心987个" in quote and quote.startswith("“……全年新建"), quote
    assert "全年累计开展专题调研" not in quote, quote
    # The reviewer sees the writer's section labels, never internal ids.
    expect(comments).to_contain_text(f"第 3 版 · {state['submitted']} 第 ")
    regular = page.locator("#review-draft p.clickable").filter(has_text="举办科级干部培训班3期").first
    regular.click()
    sources.get_by_text("依据的事实").wait_for()
    expect(sources).to_contain_text("工作 · 干部教育培训")
    for where in (sources, comments):
        assert not re.search(r"\b(work|plans|problems)[.:]\d", where.inner_text())

    # A return without a reason: one message, nothing else changes.
    picked = page.locator("#review-pick input").input_value()
    page.locator("#return").click()
    expect(page.locator("#review-msg")).to_contain_text("退回时请写明原因")
    _no_error_badges(page)
    expect(page.locator("#review-pick input")).to_have_value(picked)
    expect(page.locator("#review-status")).to_contain_text("待审核")
    shot(page, shots, "r07-return-without-reason")

    field(page, "decision-note").fill(RETURN_REASON)
    page.locator("#return").click()
    expect(page.locator("#review-msg")).to_contain_text("已退回第 3 版")
    expect(page.locator("#review-msg")).not_to_contain_text("原因")
    expect(page.locator("#review-status")).to_contain_text("已退回")
    history = page.locator("#review-history")
    expect(history).to_contain_text("退回修改")
    expect(history).to_contain_text(RETURN_REASON)
    _no_error_badges(page)
    shot(page, shots, "r08-returned")
    state["returned"] = "yes"
    context.close()


def test_writer_sees_the_reason_where_they_edit_and_resends(sign_in, shots: Path) -> None:
    need(state, "returned")
    context, page = sign_in(WRITER)
    _open_mine(page)
    expect(page.locator("#draft-status")).to_contain_text("已退回")
    tab(page, "② 分节起草")
    notes = page.locator("#writer-notes")
    expect(notes).to_contain_text(f"审核人 {REVIEWER}")
    expect(notes).to_contain_text(RETURN_REASON)
    expect(notes).to_contain_text("其他小节还有 1 条待处理批注")
    choose(page, "section-pick", state["submitted"])
    expect(notes).to_contain_text("本节待处理批注 1 条")
    expect(notes).to_contain_text("987 个党群服务中心从何而来")
    shot(page, shots, "r09-writer-sees-reason")

    field(page, "editor").fill(state["original"])
    page.locator("#save-section").click()
    page.locator("#draft-status").get_by_text("第 4 版").wait_for()
    tab(page, "⑤ 批注和送审")
    expect(page.locator("#writer-history")).to_contain_text(RETURN_REASON)
    choose(page, "comment-pick", re.compile("987"))
    page.locator("#resolve").click()
    expect(page.locator("#writer-comments")).to_contain_text("已解决")
    page.locator("#submit").click()
    confirm = page.locator("#submit-confirm-yes")
    status = page.locator("#draft-status").get_by_text("待审核")
    expect(confirm.or_(status)).to_be_visible()
    if confirm.is_visible():  # placeholders the stub left may still be flagged
        confirm.click()
    status.wait_for()
    expect(page.locator("#writer-history")).to_contain_text("修改后重新送审")
    shot(page, shots, "r10-resubmitted")
    state["resubmitted"] = "yes"
    context.close()


def test_reviewer_approves_and_both_see_the_history(sign_in, shots: Path) -> None:
    need(state, "resubmitted")
    context, page = sign_in(REVIEWER)
    choose(page, "review-pick", re.compile(PERIOD))
    page.locator("#review-open").click()
    expect(page.locator("#review-history")).to_contain_text("修改后重新送审")
    page.locator("#approve").click()
    confirm = page.locator("#approve-confirm-yes")
    done = page.locator("#review-msg").get_by_text("已审核通过")
    expect(confirm.or_(done)).to_be_visible()
    if confirm.is_visible():
        expect(page.locator("#approve-confirm-msg")).to_contain_text("仍要审核通过吗")
        shot(page, shots, "r11-confirm-approve")
        confirm.click()
    done.wait_for()
    history = page.locator("#review-history")
    expect(history).to_contain_text("审核通过")
    expect(history).to_contain_text(REVIEWER)
    _no_error_badges(page)
    shot(page, shots, "r12-approved")
    context.close()

    context, page = sign_in(WRITER)
    _open_mine(page)
    expect(page.locator("#draft-status")).to_contain_text("已通过")
    tab(page, "⑤ 批注和送审")
    rows = page.locator("#writer-history tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("送审")
    expect(rows.nth(1)).to_contain_text("退回修改")
    expect(rows.nth(2)).to_contain_text("修改后重新送审")
    expect(rows.nth(3)).to_contain_text("审核通过")
    shot(page, shots, "r13-writer-history")
    context.close()


def test_prompts_page_opens_the_template_and_says_what_it_is_for(sign_in, shots: Path) -> None:
    context, page = sign_in("admin1")
    tab(page, "提示词")
    # The preselected template's text is there without clicking 打开.
    expect(page.locator("#prompt-text")).to_contain_text("## system")
    expect(page.locator("#prompt-pick input")).to_have_value(re.compile(r"按提纲逐节起草（section）"))
    expect(page.locator("#prompt-mode")).to_contain_text("模型 stub-model")
    page.locator("#prompt-pick input").click()
    options = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
    assert all(re.fullmatch(r"[^（]{2,}（\w+）", o) for o in options), options
    page.get_by_role("option", name=re.compile("repair")).first.click()
    expect(page.locator("#prompt-text")).to_contain_text("修改一节初稿")
    shot(page, shots, "r14-prompts")
    context.close()
