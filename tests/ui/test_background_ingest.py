"""`drafter serve --ingest DIR`: the pages are up at once, and the knowledge page says how far the
folder's ingest has got, then how it ended, and lists what came in without a click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import PASSWORD, REPO, serve_env, serving
from tests.ui.page_actions import submit_sign_in

pytestmark = pytest.mark.browser

REPORTS = REPO / "corpus" / "reports"


def test_the_knowledge_page_follows_the_start_up_ingest(browser, stub, tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with serving(serve_env(home, stub), home, "--ingest", str(REPORTS)) as server:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            page.goto(server.url + "/")
            submit_sign_in(page, "writer1", PASSWORD)
            page.locator("#who").get_by_text("writer1").wait_for()
            page.locator("#pages [role=tablist]").first.get_by_role("tab", name="知识库").click()
            note = page.locator("#kb-background")
            # The whole sample corpus takes far longer to embed than the pages take to load.
            expect(note).to_contain_text("正在后台入库")
            expect(note).to_contain_text("启动时的后台入库已完成", timeout=300_000)
            expect(note).to_contain_text(re.compile(r"新增 \d+ 个"))
            # The list filled itself when the ingest ended: first and last file, no click on 刷新.
            for name in (names := sorted(p.name for p in REPORTS.iterdir()))[:1] + names[-1:]:
                expect(page.locator("#kb-docs").get_by_text(name).filter(visible=True).first).to_be_visible()
        finally:
            context.close()
