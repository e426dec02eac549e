"""The admin's pages in a real browser: user management and the run log; sign-in limits."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.ui.page_actions import submit_sign_in


def _shot(page, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def _pick(page, box: str, option: str) -> None:
    page.locator(f"{box} input").first.click()
    page.get_by_role("option", name=option, exact=True).click()


def _sign_in(browser, server, name: str, password: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server.url + "/")
    submit_sign_in(page, name, password)
    return context, page


def test_admin_adds_disables_and_reads_the_run_log(browser, server, sign_in, screenshots: Path) -> None:
    context, page = sign_in("admin1")
    page.get_by_role("tab", name="用户管理").click()
    users = page.locator("#admin-users")
    expect(users).to_contain_text("writer1")
    page.locator("#admin-new-name input, #admin-new-name textarea").first.fill("新同事")
    _pick(page, "#admin-new-role", "审核人")
    page.locator("#admin-add").click()
    shown = page.locator("#admin-password")
    expect(shown).to_contain_text("只显示这一次")
    password = re.search(r"：(\S+)$", shown.inner_text().strip()).group(1)
    expect(users).to_contain_text("新同事")
    _shot(page, screenshots, "20-admin-users")

    # The new colleague signs in with the password shown once.
    other, other_page = _sign_in(browser, server, "新同事", password)
    other_page.locator("#who").get_by_text("新同事").wait_for()

    # Disabled: their session ends and they cannot sign in again.
    _pick(page, "#admin-target", "新同事")
    page.locator("#admin-disable").click()
    expect(users).to_contain_text("已停用")
    other_page.goto(server.url + "/")
    expect(other_page).to_have_url(re.compile("/signin$"))
    other_page.get_by_label("用户名").fill("新同事")
    other_page.get_by_label("密码").fill(password)
    other_page.get_by_role("button", name="登录").click()
    expect(other_page.locator("#signin-error")).to_contain_text("已停用")
    expect(other_page.get_by_label("用户名")).to_have_value("新同事")  # the name is kept
    other.close()

    page.get_by_role("tab", name="操作日志").click()
    log = page.locator("#log-table")
    _pick(page, "#log-action", "新增用户")
    page.locator("#log-show").click()
    expect(log).to_contain_text("新同事")
    expect(log).not_to_contain_text("登录成功")  # only the chosen action
    _pick(page, "#log-action", "全部")
    page.locator("#log-show").click()
    expect(log).to_contain_text("停用用户")
    expect(log).to_contain_text("登录成功")
    _shot(page, screenshots, "21-admin-run-log")
    context.close()


def test_a_writer_cannot_use_the_admin_pages(browser, server, sign_in) -> None:
    context, page = sign_in("writer1")
    for tab in ("用户管理", "操作日志"):
        expect(page.get_by_role("tab", name=tab)).to_be_disabled()
    context.close()


def test_repeated_wrong_passwords_wait_with_a_chinese_message(browser, server, screenshots: Path) -> None:
    context, page = _sign_in(browser, server, "locked-out-name", "wrong-password")
    for _ in range(4):
        expect(page.locator("#signin-error")).to_contain_text("不正确")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
    page.get_by_label("密码").fill("maybe-the-right-one")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#signin-error")).to_contain_text(
        re.compile(r"登录失败次数过多，请 1[45] 分钟后再试")
    )
    _shot(page, screenshots, "22-sign-in-limited")
    context.close()
