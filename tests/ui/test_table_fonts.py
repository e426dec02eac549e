"""Tables read like the rest of the page: the UI font (not monospace) with equal-width digits."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

STYLE_OF = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const cs = getComputedStyle(el);
  return [cs.fontFamily, cs.fontVariantNumeric];
}"""


def test_table_headers_and_cells_use_the_page_font_with_tabular_digits(sign_in) -> None:
    _, page = sign_in("writer1")
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
