"""Tables read like the rest of the page: the UI font (not monospace) with equal-width digits."""

from __future__ import annotations

import pytest

from tests.ui.conftest import PASSWORD

pytestmark = pytest.mark.browser

STYLE_OF = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const cs = getComputedStyle(el);
  return [cs.fontFamily, cs.fontVariantNumeric];
}"""


def test_table_headers_and_cells_use_the_page_font_with_tabular_digits(browser, server) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.get_by_label("用户名").fill("writer1")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.locator("#who").get_by_text("writer1").wait_for()
        page.locator("#pages [role=tablist]").first.get_by_role("tab", name="知识库").click()
        page.locator("#kb-docs th").first.wait_for()
        body_font = page.evaluate(
            "() => getComputedStyle(document.querySelector('.gradio-container')).fontFamily"
        )
        for selector in ("#kb-docs th", "#kb-results th"):
            family, numeric = page.evaluate(STYLE_OF, selector)
            assert "Mono" not in family and "monospace" not in family, (selector, family)
            assert family.split(",")[0] == body_font.split(",")[0], (selector, family, body_font)
            assert "tabular-nums" in numeric, (selector, numeric)
    finally:
        context.close()
