"""What the browser tests do on a Gradio page: sign in, fill a field, pick an option, open a tab,
take a screenshot, and skip a step whose earlier step did not finish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


def submit_sign_in(page, user: str, password: str) -> None:
    """Fill the sign-in form (page /signin, where an unsigned visitor is sent) and send it."""
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def need(state: dict[str, str], *keys: str) -> None:
    missing = [k for k in keys if k not in state]
    if missing:
        pytest.skip(f"an earlier step did not finish: {', '.join(missing)}")


def shot(page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot {path}")


def visible(scope, text: str | re.Pattern):
    # Gradio's tables keep hidden copies of their cells for measuring; only the shown ones count.
    return scope.get_by_text(text).filter(visible=True)


def field(page, elem_id: str):
    # A Gradio textbox is an <input> or a <textarea> depending on its size.
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def choose(page, dropdown_id: str, option: str | re.Pattern) -> None:
    page.locator(f"#{dropdown_id} input").click()
    page.get_by_role("option", name=option).first.click()


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def prepare_draft(page, org: str, period: str, next_period: str, facts: str) -> None:
    """Type the draft's body and periods, paste and parse the facts, and prepare version 1."""
    field(page, "org").fill(org)
    field(page, "period").fill(period)
    field(page, "next-period").fill(next_period)
    tab(page, "粘贴文本")
    field(page, "facts-text").fill(facts)
    page.locator("#facts-parse").click()
    page.locator("#facts-msg").get_by_text("已解析").wait_for()
    page.locator("#prepare").click()
    page.locator("#draft-status").get_by_text("第 1 版").wait_for()
