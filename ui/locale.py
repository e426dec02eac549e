"""Chinese for Gradio's own words (upload areas, table menus, toasts), whatever the browser's language.

Gradio picks its interface language from ``navigator.language`` when its scripts start, and
offers no setting to fix it (gr.I18n only adds strings: Gradio's own translations are merged after
it and win, so it serves for the few words Gradio's Chinese lacks, ui/text.py GRADIO_ZH_CN, not to
replace English). The ``head=`` launch option is injected only after the
app config is fetched, by which time the language is already chosen: that was too late. So the
page Gradio serves gets a small script as the first element of its <head>, which runs before any
of Gradio's deferred module scripts, and reports Chinese as the browser's language. This is done
by an ASGI middleware handed to Gradio's FastAPI app through ``launch(app_kwargs=...)``. The same
script turns the few tooltips and screen-reader labels Gradio hard-codes in English into Chinese
as they appear (ATTRIBUTE_WORDS), and the few texts it hard-codes (TEXT_PATTERNS); there is no
hook for those at all.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.middleware import Middleware

LOCALE = "zh-CN"
# Tooltips (title) and screen-reader labels (aria-label) Gradio writes in English in every language,
# outside its translation tables; exact values, or a prefix followed by the component's label.
ATTRIBUTE_WORDS = {
    "Copy table data": "复制表格数据",
    "Fullscreen": "全屏",
    "Exit fullscreen": "退出全屏",
    "Table actions": "表格操作",
    "Dataframe": "数据表",
    "Add row": "添加行",
    "Static column": "固定列",
    "Reset to default value": "恢复默认值",
    "Click to upload or drop files": "点击上传或拖入文件",
    "Empty value": "空",
    "Code input container": "代码编辑框",
    "Copy": "复制",
    "Copied": "已复制",
    "Download": "下载",
    "Clear": "清除",
    "Close": "关闭",
}
ATTRIBUTE_PREFIXES = {"number input for ": "数字输入：", "range slider for ": "滑块："}
# Text Gradio writes in English in every language, outside its translation tables (JavaScript
# regular expressions and their replacements): the upload area's "Uploading 1 file...".
TEXT_PATTERNS = {r"^\s*Uploading\s+(\d+)\s+files?\.\.\.\s*$": "正在上传 $1 个文件……"}


def _force_locale_script() -> str:
    words = json.dumps(ATTRIBUTE_WORDS, ensure_ascii=False)
    prefixes = json.dumps(list(ATTRIBUTE_PREFIXES.items()), ensure_ascii=False)
    texts = json.dumps(list(TEXT_PATTERNS.items()), ensure_ascii=False)
    return (
        "<script>(function(){try{"
        f"var lang='{LOCALE}',langs=['{LOCALE}','zh'];"
        "Object.defineProperty(Navigator.prototype,'language',{get:function(){return lang},configurable:true});"
        "Object.defineProperty(Navigator.prototype,'languages',{get:function(){return langs},configurable:true});"
        "document.documentElement.lang=lang;"
        "}catch(e){}"
        f"var W={words},P={prefixes},A=['title','aria-label'];"
        "function fix(el){for(var i=0;i<A.length;i++){var v=el.getAttribute&&el.getAttribute(A[i]);if(!v)continue;"
        "var t=W[v];if(t===undefined){for(var j=0;j<P.length;j++){if(v.indexOf(P[j][0])===0){t=P[j][1]+v.slice(P[j][0].length);break}}}"
        "if(t!==undefined&&t!==v)el.setAttribute(A[i],t)}}"
        f"var X={texts}.map(function(p){{return [new RegExp(p[0]),p[1]]}});"
        "function say(n){var v=n.nodeValue;for(var i=0;i<X.length;i++){if(X[i][0].test(v)){n.nodeValue=v.replace(X[i][0],X[i][1]);return}}}"
        "function scan(root){if(root.nodeType===3){say(root);return}if(root.nodeType!==1)return;fix(root);"
        "var all=root.querySelectorAll('[title],[aria-label]');for(var i=0;i<all.length;i++)fix(all[i]);"
        "var w=document.createTreeWalker(root,NodeFilter.SHOW_TEXT),n;while((n=w.nextNode()))say(n)}"
        "new MutationObserver(function(ms){for(var i=0;i<ms.length;i++){var m=ms[i];"
        "if(m.type==='attributes')fix(m.target);else if(m.type==='characterData')say(m.target);"
        "else for(var j=0;j<m.addedNodes.length;j++)scan(m.addedNodes[j])}})"
        ".observe(document.documentElement,{subtree:true,childList:true,characterData:true,attributes:true,attributeFilter:A});"
        "})();</script>"
    )


FORCE_LOCALE_SCRIPT = _force_locale_script()

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def insert_first_in_head(html: bytes, snippet: bytes) -> bytes:
    """``snippet`` right after the opening <head> tag (unchanged when there is none)."""
    lower = html.lower()
    start = lower.find(b"<head")
    end = lower.find(b">", start) if start >= 0 else -1
    if end < 0:
        return html
    return html[: end + 1] + snippet + html[end + 1 :]


class ForceLocaleMiddleware:
    """Puts FORCE_LOCALE_SCRIPT first in every uncompressed HTML page the app serves."""

    def __init__(self, app: ASGIApp, script: str = FORCE_LOCALE_SCRIPT) -> None:
        self.app = app
        self.snippet = script.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                is_html = headers.get(b"content-type", b"").startswith(b"text/html")
                if is_html and b"content-encoding" not in headers:
                    start = message  # hold it until the body is complete and its length known
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = insert_first_in_head(b"".join(chunks), self.snippet)
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            kept.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


def middleware() -> list[Middleware]:
    """The middleware list for ``launch(app_kwargs={"middleware": ...})``."""
    return [Middleware(ForceLocaleMiddleware)]
