"""The web UI in a real browser: headless Chromium against a real `drafter serve` and the stub model.

One writer's journey, in order (each step needs the one before): sign in, upload past reports,
draft with the stub model, edit a section and see a grounding flag, export and open the .docx,
send for review; then a reviewer clicks a paragraph to see its sources, and a second writer does
not see the first one's draft; last, an admin saves a prompt version, which lands in the data
directory, not in prompts/. Screenshots of every page go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import docx
import pytest
from page_actions import choose, field, need, shot, tab, visible
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REPORTS = Path(__file__).resolve().parents[2] / "corpus" / "reports"
UPLOADS = ["2025-青川区委组织部-上半年工作总结.docx", "2024-青川区委组织部-年度工作总结.txt"]
FACTS = """上级：区委
【工作】
干部教育培训：举办科级干部培训班3期，培训干部180人次
基层组织建设（小标题：夯实基层组织）：完成12个软弱涣散村党组织整顿
【问题】
基层党组织书记年龄结构偏大
【计划】
干部教育培训：下半年再举办专题培训班2期
"""
UNSUPPORTED = "全年新建党群服务中心987个。"
state: dict[str, str] = {}


def test_sign_in_page_is_chinese(browser, server, screenshots: Path) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="登录").wait_for()
    expect(page.get_by_text("请使用管理员分配的账号登录")).to_be_visible()
    shot(page, screenshots, "01-sign-in")
    page.get_by_label("用户名").fill("writer1")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text(re.compile("错误|不正确")).first.wait_for()
    context.close()


def test_upload_reports(browser, server, sign_in, screenshots: Path) -> None:
    context, page = sign_in("writer1")
    tab(page, "知识库")
    page.locator("#kb-upload input[type=file]").set_input_files([str(REPORTS / n) for n in UPLOADS])
    expect(page.locator("#kb-upload")).to_contain_text(Path(UPLOADS[1]).stem)
    page.locator("#kb-ingest").click()
    results = page.locator("#kb-results")
    visible(results, "新增").first.wait_for(timeout=120_000)
    expect(visible(results, "新增")).to_have_count(len(UPLOADS))
    visible(page.locator("#kb-docs"), UPLOADS[0]).first.wait_for()
    choose(page, "kb-doc-pick", re.compile(re.escape(UPLOADS[1])))
    page.locator("#kb-doc-open").click()
    expect(field(page, "kb-doc-text")).to_have_value(re.compile("组织"))
    # Only admins may remove documents: the button is not even offered to a writer.
    expect(page.locator("#kb-doc-remove")).to_be_hidden()
    field(page, "kb-query").fill("干部教育培训明年打算")
    page.locator("#kb-search").click()
    page.locator("#kb-hits table").wait_for()
    # The page says what the search added to the writer's words.
    expect(page.locator("#kb-hits .note")).to_contain_text("优先显示计划部分")
    shot(page, screenshots, "02-knowledge")
    state["uploaded"] = "yes"
    context.close()


def test_draft_with_the_stub_model(browser, server, sign_in, screenshots: Path) -> None:
    need(state, "uploaded")
    context, page = sign_in("writer1")
    field(page, "org").fill("青川区委组织部")
    tab(page, "粘贴文本")
    field(page, "facts-text").fill(FACTS)
    page.locator("#facts-parse").click()  # no period yet: the message says which field is missing
    expect(page.locator("#facts-msg")).to_contain_text("缺少时期")
    field(page, "period").fill("2026年上半年")
    field(page, "next-period").fill("2026年下半年")
    page.locator("#facts-parse").click()
    page.locator("#facts-msg").get_by_text("已解析 4 条事实").wait_for()
    tab(page, "表格录入")
    visible(page.locator("#facts-table"), "完成12个软弱涣散村党组织整顿").first.wait_for()
    # The area's own heading stays in its 方面 cell; the header line fills the superior field.
    visible(page.locator("#facts-table"), "基层组织建设（小标题：夯实基层组织）").first.wait_for()
    expect(field(page, "superior")).to_have_value("区委")
    shot(page, screenshots, "03-facts")
    page.locator("#prepare").click()
    page.locator("#draft-status").get_by_text("第 1 版").wait_for()
    # The writer sees the past passages retrieved for the section before generating.
    choose(page, "section-pick", re.compile("干部教育培训"))
    visible(page.locator("#exemplars"), re.compile(r"\.docx|\.txt")).first.wait_for()

    page.locator("#gen-all").click()
    page.locator("#full-draft .streaming").wait_for()  # text appears while it is being written
    page.locator("#progress").get_by_text("已完成 ").first.wait_for()
    page.locator("#draft-status").get_by_text("第 2 版").wait_for(timeout=120_000)
    expect(page.locator("#full-draft")).to_contain_text("模型 stub-model")  # who wrote each section
    expect(page.locator("#full-draft")).to_contain_text("举办科级干部培训班3期")
    expect(page.locator("#who")).to_contain_text("模型 stub-model")
    shot(page, screenshots, "04-draft-generated")
    state["generated"] = "yes"
    context.close()


def test_edit_flag_save_and_export(browser, server, sign_in, screenshots: Path, tmp_path: Path) -> None:
    need(state, "generated")
    context, page = sign_in("writer1")
    choose(page, "draft-pick", re.compile("工作总结"))
    page.locator("#draft-open").click()
    page.locator("#draft-status").get_by_text("第 2 版").wait_for()
    tab(page, "② 分节起草")
    choose(page, "section-pick", re.compile("干部教育培训"))
    # Until the pick's update lands, the editor holds the section opened before.
    expect(page.locator("#section-info")).to_contain_text(re.compile(r"当前小节：工作.*干部教育培训"))
    editor = field(page, "editor")
    expect(editor).to_have_value(re.compile("举办科级干部培训班3期"))
    editor.click()
    editor.press("Control+End")
    editor.type("\n" + UNSUPPORTED, delay=5)
    flags = page.locator("#section-flags")
    # The check runs as the writer types; wait for the one that has seen the whole number.
    flags.locator("mark.flag-unsupported_number").filter(has_text="987").first.wait_for()
    expect(flags).to_contain_text("数字无事实依据")
    shot(page, screenshots, "05-edit-flag")

    page.locator("#save-section").click()
    page.locator("#draft-status").get_by_text("第 3 版").wait_for()
    expect(page.locator("#full-draft")).to_contain_text(UNSUPPORTED)

    tab(page, "③ 全文和版本")
    page.locator("#diff-run").click()
    page.locator("#diff ins").filter(has_text="987").wait_for()
    shot(page, screenshots, "06-versions-diff")

    tab(page, "④ 导出")
    page.locator("#export").click()
    link = page.locator("#docx-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "draft.docx"
    download.value.save_as(saved)
    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert UNSUPPORTED in text and "举办科级干部培训班3期" in text
    # The download was served from inside the data directory, not from a shared /tmp.
    cached = list((server.home / "web-cache").rglob("*.docx"))
    assert cached and download.value.suggested_filename in {f.name for f in cached}, cached
    page.locator("#preview").click()
    page.locator("#pages img, #page-html .doc-page").first.wait_for(timeout=180_000)
    shot(page, screenshots, "07-export-preview")

    tab(page, "⑤ 批注和送审")
    page.locator("#submit").click()
    # The flagged number is still there: sending it asks first.
    expect(page.locator("#submit-confirm-msg")).to_contain_text("核对标记未处理")
    page.locator("#submit-confirm-yes").click()
    page.locator("#draft-status").get_by_text("待审核").wait_for()
    shot(page, screenshots, "08-submitted")
    state["submitted"] = "yes"
    context.close()


def test_reviewer_clicks_a_paragraph_to_see_its_sources(browser, server, sign_in, screenshots: Path) -> None:
    need(state, "submitted")
    context, page = sign_in("reviewer1")
    # The reviewer lands on the review page; writing is not theirs to do.
    expect(page.get_by_role("tab", name="起草")).to_be_disabled()
    choose(page, "review-pick", re.compile("工作总结"))
    page.locator("#review-open").click()
    paragraph = page.locator("#review-draft p.clickable").filter(has_text="举办科级干部培训班3期").first
    paragraph.click()
    sources = page.locator("#review-sources")
    sources.get_by_text("依据的事实").wait_for()
    expect(sources.locator(".source.fact mark.match").first).to_be_visible()  # the fact's matching span
    expect(sources.locator(".source.paragraph mark.match").first).to_be_visible()  # and the paragraph's
    page.locator("#review-draft p.selected").wait_for()
    flagged = page.locator("#review-draft p.clickable").filter(has_text="987").first
    expect(flagged.locator("mark.flag-unsupported_number")).to_have_count(1)
    paragraph.click()
    field(page, "comment-text").fill("请核实培训人次的统计口径")
    page.locator("#comment-add").click()
    page.locator("#review-comments").get_by_text("请核实培训人次的统计口径").wait_for()
    shot(page, screenshots, "09-review")
    field(page, "decision-note").fill("第（一）部分数字需核实")
    page.locator("#return").click()
    page.locator("#review-status").get_by_text("已退回").wait_for()
    state["reviewed"] = "yes"
    context.close()


def test_writer_sees_the_comment_and_another_writer_sees_nothing(
    browser, server, sign_in, screenshots: Path
) -> None:
    need(state, "reviewed")
    context, page = sign_in("writer1")
    # The count comes with the page's own list of drafts, so it also proves the list has loaded.
    expect(page.locator("#draft-status")).to_contain_text("我可以打开的材料：1 份")
    choose(page, "draft-pick", re.compile("工作总结"))
    page.locator("#draft-open").click()
    page.locator("#draft-status").get_by_text("已退回").wait_for()
    tab(page, "⑤ 批注和送审")
    page.locator("#writer-comments").get_by_text("请核实培训人次的统计口径").wait_for()
    context.close()

    context, page = sign_in("writer2")
    expect(page.locator("#draft-status")).to_contain_text("我可以打开的材料：0 份")
    field(page, "draft-pick").click()
    expect(page.get_by_role("option", name=re.compile("工作总结"))).to_have_count(0)
    shot(page, screenshots, "10-other-writer")
    context.close()


def test_a_prompt_saved_in_the_browser_goes_under_the_data_directory(
    browser, server, sign_in, screenshots: Path
) -> None:
    templates = Path(__file__).resolve().parents[2] / "prompts" / "templates"
    shipped = {p: p.read_bytes() for p in sorted(templates.rglob("*")) if p.is_file()}
    context, page = sign_in("admin1")
    tab(page, "提示词")
    expect(page.locator("#prompt-pick input")).not_to_have_value("")
    # The picker names a template by its purpose, then its folder: "按提纲逐节起草（section）".
    name = re.fullmatch(r".+（(\w+)）", page.locator("#prompt-pick input").input_value()).group(1)
    latest = max(int(p.stem[1:]) for p in (templates / name).glob("v*.md"))
    expect(page.locator("#prompt-version input")).to_have_value(f"v{latest}（prompts/）")
    page.locator("#prompt-open").click()
    expect(page.locator("#prompt-text")).to_contain_text("## system")
    page.locator("#prompt-save").click()
    new = f"v{latest + 1}"
    expect(page.locator("#prompt-version input")).to_have_value(f"{new}（网页保存）")
    expect(page.locator("#prompt-text")).to_contain_text(f"version: {new}")
    origin = page.locator("#prompt-origin")
    expect(origin).to_contain_text(str(server.home / "prompts" / "templates" / name))
    expect(origin).to_contain_text(f"prompts/templates/{name}/")
    shot(page, screenshots, "11-prompts-saved")
    assert (server.home / "prompts" / "templates" / name / f"{new}.md").is_file()
    assert {p: p.read_bytes() for p in sorted(templates.rglob("*")) if p.is_file()} == shipped
    context.close()


def test_prompt_lab_compares_two_versions_then_publishes_and_rolls_back(
    browser, server, sign_in, screenshots: Path
) -> None:
    context, page = sign_in("admin1")
    tab(page, "提示词")
    expect(page.locator("#lab-model")).to_contain_text(server.env["DRAFTER_LLM__BASE_URL"])
    expect(page.locator("#lab-active")).to_contain_text("当前使用的版本：v1", timeout=30_000)
    choose(page, "lab-case", "numbers-verbatim")
    choose(page, "lab-b", "v2")
    page.locator("#lab-render").click()
    expect(page.locator("#lab-prompt")).to_contain_text(
        "# 节 opening", timeout=60_000
    )  # the editor shows the top lines only
    page.locator("#lab-run").click()
    expect(page.locator("#lab-case-result")).to_contain_text(
        "numbers-verbatim（section@v1）", timeout=120_000
    )
    page.locator("#lab-scope").get_by_text("此用例").click()
    page.locator("#lab-compare").click()
    expect(page.locator("#lab-compare-note")).to_contain_text("变差的用例", timeout=180_000)
    expect(page.locator("#lab-compare-note")).to_contain_text(server.env["DRAFTER_LLM__BASE_URL"])
    expect(visible(page.locator("#lab-table"), "无出处数字").first).to_be_visible()
    expect(page.locator("#lab-chart")).to_be_visible()
    expect(visible(page.locator("#lab-outputs"), "numbers-verbatim").first).to_be_visible()
    shot(page, screenshots, "12-prompt-lab-comparison")

    choose(page, "lab-a", "v2")
    page.locator("#lab-publish").click()
    expect(page.locator("#lab-active")).to_contain_text("当前使用的版本：v2", timeout=120_000)
    expect(page.locator("#lab-active")).to_contain_text("admin1 发布 v2")
    choose(page, "lab-a", "v1")
    page.locator("#lab-publish").click()
    expect(page.locator("#lab-active")).to_contain_text("admin1 发布 v1", timeout=120_000)
    page.locator("#lab-rollback").click()
    expect(page.locator("#lab-active")).to_contain_text("admin1 回退到 v2", timeout=30_000)
    expect(page.locator("#lab-active")).to_contain_text("当前使用的版本：v2")
    shot(page, screenshots, "13-prompt-lab-published")


def test_admin_sets_tests_and_saves_the_model_endpoint(
    browser, server, stub, sign_in, screenshots: Path
) -> None:
    secret = "sk-browser-secret-0987654321"
    context, page = sign_in("admin1")
    tab(page, "模型设置")
    status = page.locator("#model-status")
    expect(status).to_contain_text("配置文件或环境变量")
    expect(status).to_contain_text(f"模型 {stub.model}")
    page.locator("#model-url input, #model-url textarea").first.fill(stub.base_url)
    page.locator("#model-name input, #model-name textarea").first.fill(stub.model)
    key_box = page.locator("#model-key input, #model-key textarea").first
    key_box.fill(secret)
    page.locator("#model-test").click()
    expect(page.locator("#model-test-result")).to_contain_text("连接成功：用时", timeout=20_000)
    expect(page.locator("#model-test-result")).to_contain_text("秒")
    page.locator("#model-save").click()
    expect(status).to_contain_text("网页设置")
    expect(status).to_contain_text("已设置（不显示）")
    expect(key_box).to_have_value("")  # the key is never shown again
    shot(page, screenshots, "14-model-settings")
    saved = server.home / "model_endpoint.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert secret not in page.content()
    assert secret not in server.log.read_text(encoding="utf-8", errors="replace")
    # A wrong address fails the test with a message and saves nothing.
    page.locator("#model-url input, #model-url textarea").first.fill("http://127.0.0.1:9/v1")
    page.locator("#model-test").click()
    expect(page.locator("#model-test-result")).to_contain_text("连接失败", timeout=30_000)
    page.locator("#model-clear").click()
    expect(status).to_contain_text("配置文件或环境变量")
    assert not saved.exists()
    context.close()


def test_a_writer_cannot_open_the_model_settings(browser, server, sign_in) -> None:
    context, page = sign_in("writer1")
    expect(page.get_by_role("tab", name="模型设置")).to_be_disabled()
    context.close()
