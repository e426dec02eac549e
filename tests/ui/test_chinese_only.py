"""No English reaches a user, even when the browser asks for English.

Chromium runs with an English locale (navigator.language en-US, Accept-Language en-US). Each role
signs in and every page and tab it can open is visited; on each, every visible text node and
every visible placeholder is read, and any Latin-letter word left after removing file names and
the allowed terms below fails the test. A writer also generates a draft, and the text is read
while Gradio's progress overlay is up, and after a validation error toast. Screenshots of each
view go to artifacts/screenshots/en-*.png.
"""

from __future__ import annotations

import getpass
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.ui.conftest import PASSWORD
from tests.ui.page_actions import submit_sign_in

pytestmark = pytest.mark.browser

ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}
# Terms an office in China uses as they are, and names the users themselves typed.
ALLOWED_TERMS = {
    "Word", "PDF", "DOCX", "docx", "YAML", "yaml", "CSV", "TSV", "TXT", "txt", "JSON", "TOML", "API", "URL",
    "LLM", "OpenAI", "LibreOffice", "GB", "T", "stub-model", "writer1", "writer2", "writer3", "writer4", "writer5", "reviewer1", "maintainer1",
    "admin1", "admin", "http", "https", "localhost", "reviewer2",
    "locked-out-name",  # a name the sign-in tests type; the run log shows it back
}  # fmt: skip
ALLOWED_TERMS.add(getpass.getuser())  # the run log names the CLI's operating-system account: 命令行:root
# Prompt template names are the names of their folders under prompts/templates/.
TEMPLATE_NAMES = {p.name for p in (Path(__file__).resolve().parents[2] / "prompts" / "templates").iterdir()}
ALLOWED_TERMS |= TEMPLATE_NAMES | {"A", "B", "KB", "MB"}  # prompt lab versions A, B; file sizes
VERSION_TAG = re.compile(r"\bv\d+\b")  # prompt versions: v1, v2
DRAFT_NUMBER = re.compile(r"\b[0-9a-f]{12}\b")  # a draft's number, as the CLI prints it (草稿编号)
EXTENSION = re.compile(r"(?<![\w])\.(?:docx?|txt|pdf|ya?ml|csv|json|toml|md|wps)\b", re.I)
PATH = re.compile(r"[\w.\-]*(?:/[\w.\-]+)+/?|[\w.\-]+/")  # prompts/templates/section/
FILE_NAME = re.compile(r"[\w\u4e00-\u9fff（）()\-.]+\.(?:docx?|txt|pdf|ya?ml|csv|json|toml|md|wps)\b", re.I)
URL = re.compile(r"https?://\S+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")

# Every visible text node and placeholder on the page, with where it is (for the failure message).
VISIBLE_TEXT_JS = """
() => {
  const seen = [];
  const shown = (el) => {
    if (!el || !el.isConnected) return false;
    if (el.checkVisibility && !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    return parseFloat(getComputedStyle(el).fontSize) > 0;
  };
  const where = (el) => (el.closest('[id]') || {}).id || el.tagName;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent.trim(), el = node.parentElement;
    // Commands and paths in <code> are typed as they are (make local-model); a template in the
    // code editor (.cm-content) is the maintainer's own text, variable names included. Not UI wording.
    if (!text || !/[A-Za-z]/.test(text) || !el || el.closest('script,style,noscript,template,code,pre,.cm-content')) continue;
    if (shown(el)) seen.push([where(el), text]);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (!el.value && /[A-Za-z]/.test(el.placeholder) && shown(el)) seen.push([where(el), el.placeholder]);
  }
  // Tooltips show on hover; aria labels are what a screen reader says.
  for (const el of document.querySelectorAll('[title], [aria-label]')) {
    for (const attr of ['title', 'aria-label']) {
      const v = el.getAttribute(attr);
      if (v && /[A-Za-z]/.test(v) && shown(el)) seen.push([where(el) + '@' + attr, v]);
    }
  }
  for (const el of document.querySelectorAll('input[type=button], input[type=submit]')) {
    if (/[A-Za-z]/.test(el.value) && shown(el)) seen.push([where(el), el.value]);
  }
  return seen;
}
"""


OVERLAY = ".wrap.pending, .wrap.generating, .wrap .meta-text, .wrap .meta-text-center, .wrap .progress-text"


def latin_words(text: str) -> list[str]:
    for pattern in (URL, FILE_NAME, EXTENSION, PATH, VERSION_TAG, DRAFT_NUMBER):
        text = pattern.sub(" ", text)
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_TERMS]


class Walk:
    """Collects English found on the pages, view by view."""

    def __init__(self, screenshots: Path) -> None:
        self.screenshots = screenshots
        self.found: dict[str, set[str]] = {}
        self.views: list[str] = []

    def read(self, page, view: str, *, shot: bool = True) -> None:
        self.views.append(view)
        for where, text in page.evaluate(VISIBLE_TEXT_JS):
            if latin_words(text):
                self.found.setdefault(f"{view} #{where}", set()).add(text[:160])
        if shot:
            name = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", view)
            page.screenshot(path=str(self.screenshots / f"en-{name}.png"), full_page=True)

    def assert_chinese(self) -> None:
        report = "\n".join(f"{view}: {sorted(texts)}" for view, texts in sorted(self.found.items()))
        assert not self.found, f"English visible in an en-US browser:\n{report}"


def open_english(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, **ENGLISH)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="登录").wait_for()
    return context, page


def sign_in(page, user: str) -> None:
    submit_sign_in(page, user, PASSWORD)
    page.locator("#who").get_by_text(user).wait_for()
    page.wait_for_timeout(500)  # the pages' load handlers fill their lists


def visit_every_tab(page, walk: Walk, role: str) -> None:
    """Click each enabled page tab, then every inner tab that appears, reading each view."""
    top_tabs = page.locator("#pages [role=tablist]").first.get_by_role("tab")
    names = [top_tabs.nth(i).inner_text().strip() for i in range(top_tabs.count())]
    assert len(names) >= 5, names
    for name in names:
        tab = top_tabs.filter(has_text=name).first
        if tab.is_disabled():
            continue
        tab.click()
        page.wait_for_timeout(700)
        walk.read(page, f"{role}-{name}")
        done: set[str] = set()
        for _ in range(40):  # inner tabs, including tabs inside tabs; each visited once
            inner = [
                t
                for t in page.get_by_role("tab").filter(visible=True).all()
                if t.inner_text().strip() not in names
                and t.inner_text().strip() not in done
                and t.is_enabled()
            ]
            if not inner:
                break
            label = inner[0].inner_text().strip()
            done.add(label)
            inner[0].click()
            page.wait_for_timeout(500)
            walk.read(page, f"{role}-{name}-{label}")


@pytest.fixture
def walk(screenshots: Path) -> Walk:
    return Walk(screenshots)


def test_the_sign_in_page_is_chinese_in_an_english_browser(browser, server, walk) -> None:
    context, page = open_english(browser, server)
    try:
        walk.read(page, "sign-in")
        page.get_by_label("用户名").fill("writer1")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
        page.wait_for_timeout(1500)
        walk.read(page, "sign-in-wrong-password")
    finally:
        context.close()
    walk.assert_chinese()


@pytest.mark.parametrize("user", ["writer1", "reviewer1", "maintainer1", "admin1"])
def test_every_page_is_chinese_in_an_english_browser(browser, server, walk, user: str) -> None:
    context, page = open_english(browser, server)
    try:
        sign_in(page, user)
        visit_every_tab(page, walk, user)
    finally:
        context.close()
    assert len(walk.views) >= 2
    walk.assert_chinese()


UPLOAD = Path(__file__).resolve().parents[2] / "corpus" / "reports" / "2025-东湖街道党工委-上半年工作总结.txt"
FACTS = """【工作】
干部教育培训：举办科级干部培训班3期，培训干部180人次
基层组织建设：完成12个软弱涣散村党组织整顿
【计划】
干部教育培训：下半年再举办专题培训班2期
"""


def test_generation_progress_and_error_toasts_are_chinese(browser, server, walk) -> None:
    context, page = open_english(browser, server)
    try:
        sign_in(page, "writer3")
        # A validation error: Gradio's toast (title, close button) and the message.
        page.locator("#prepare").click()
        page.locator("#facts-msg").get_by_text("事实").first.wait_for()
        walk.read(page, "writer-empty-prepare")
        page.locator("#org input, #org textarea").first.fill("青川区委组织部")
        page.locator("#period input, #period textarea").first.fill("2026年上半年")
        page.get_by_role("tab", name="粘贴文本").click()
        page.locator("#facts-text textarea").fill(FACTS)
        page.locator("#facts-parse").click()
        page.locator("#facts-msg").get_by_text("已解析").wait_for()
        page.locator("#prepare").click()
        page.locator("#draft-status").get_by_text("第 1 版").wait_for()
        page.locator("#gen-all").click()
        overlays = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            overlays += page.locator(OVERLAY).count()
            walk.read(page, f"writer-generating-{len(walk.views)}", shot=len(walk.views) % 3 == 0)
            if page.locator("#draft-status").get_by_text("第 2 版").count():
                break
            page.wait_for_timeout(250)
        walk.read(page, "writer-generated")
        # Generation shows its own progress line; Gradio's overlay (with its English "processing |
        # 0.4/3.1s") covers ordinary events. Ingesting a report is one slow enough to watch.
        page.locator("#pages [role=tablist]").first.get_by_role("tab", name="知识库").click()
        page.locator("#kb-upload input[type=file]").set_input_files(str(UPLOAD))
        page.locator("#kb-ingest").click()
        # A short ingest can come and go between two samples of the loop below (each may take a
        # screenshot): wait for the overlay as it appears, and read its text at once.
        try:
            page.locator(OVERLAY).first.wait_for(state="attached", timeout=15_000)
            overlays += 1
            walk.read(page, "writer-ingest-overlay", shot=False)
        except PlaywrightTimeout:
            pass  # none seen: the assertion below says so
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not page.locator("#kb-results").get_by_text("新增").count():
            overlays += page.locator(OVERLAY).count()
            walk.read(page, f"writer-ingesting-{len(walk.views)}", shot=len(walk.views) % 3 == 0)
            page.wait_for_timeout(150)
        assert overlays, "no progress overlay was seen"
    finally:
        context.close()
    walk.assert_chinese()
