"""The locale script is the first thing in the served page's <head>, before Gradio's scripts."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.locale import FORCE_LOCALE_SCRIPT, ForceLocaleMiddleware, insert_first_in_head, middleware

PAGE = '<!doctype html><html lang="en"><head>\n<meta charset="utf-8"><script type="module" src="a.js"></script></head><body>页</body></html>'


def client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/", lambda request: HTMLResponse(PAGE)),
            Route("/config", lambda request: JSONResponse({"head": "<head>"})),
            Route(
                "/zipped",
                lambda request: Response(
                    b"\x1f\x8b", media_type="text/html", headers={"content-encoding": "x-packed"}
                ),
            ),
        ],
        middleware=middleware(),
    )
    return TestClient(app)


def test_the_script_comes_before_every_other_script_of_the_page() -> None:
    response = client().get("/")
    body = response.text
    assert body.index(FORCE_LOCALE_SCRIPT) < body.index('<script type="module"')
    assert body.startswith('<!doctype html><html lang="en"><head>' + FORCE_LOCALE_SCRIPT)
    assert int(response.headers["content-length"]) == len(response.content)
    assert "zh-CN" in FORCE_LOCALE_SCRIPT and "Navigator.prototype" in FORCE_LOCALE_SCRIPT


def test_other_responses_pass_untouched() -> None:
    c = client()
    assert c.get("/config").json() == {"head": "<head>"}
    assert c.get("/zipped").content == b"\x1f\x8b"
    assert c.post("/").status_code == 405


def test_a_page_without_head_is_left_alone() -> None:
    assert insert_first_in_head(b"<p>x</p>", b"<script></script>") == b"<p>x</p>"
    assert insert_first_in_head(b"<HEAD data-x>y", b"S") == b"<HEAD data-x>Sy"


def test_the_middleware_is_what_the_app_hands_to_gradio() -> None:
    assert middleware()[0].cls is ForceLocaleMiddleware


def test_text_gradio_hard_codes_in_english_turns_chinese_as_it_appears(browser) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_content(f"<html><head>{FORCE_LOCALE_SCRIPT}</head><body><div id='w'>x</div></body></html>")
    # As Gradio's upload area writes it: one text node, its value replaced while the file uploads.
    page.evaluate(
        "() => { document.getElementById('w').firstChild.nodeValue = 'Uploading 1\\n\\t\\tfile...'; }"
    )
    expect(page.locator("#w")).to_have_text("正在上传 1 个文件……")
    page.evaluate("() => { document.getElementById('w').innerHTML = '<span>Uploading 3 files...</span>'; }")
    expect(page.locator("#w")).to_have_text("正在上传 3 个文件……")
    page.evaluate("() => { document.getElementById('w').textContent = 'Uploading soon'; }")
    expect(page.locator("#w")).to_have_text("Uploading soon")  # only the exact message is changed
    page.close()
