"""Our own sign-in page in front of the Gradio app, and Gradio's session table backed by the service.

Gradio's built-in form only ever says "incorrect credentials" and its auth callback never sees
the client's address, so the limits on failed attempts (per user and per address, with the wait
in Chinese) could not reach the person. ``SignInGate`` is an ASGI middleware that serves
GET/POST /signin, refuses Gradio's own /login, and sends anyone without a live session from the
app's page to /signin. ``SessionTokens`` replaces Gradio's in-memory token dict, so every request
Gradio checks asks the service's session book, and an idle or too old session simply ends.
All decisions are the service's (service.sign_in); this module only speaks HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from html import escape
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from drafting.service.facade import DraftingService
from ui import text as T

SIGN_IN_PATH = "/signin"
MAX_FORM_BYTES = 16_384


class SessionTokens(MutableMapping[str, str]):
    """Gradio's ``app.tokens`` (token → user name) answered by the service's sessions."""

    def __init__(self, service: DraftingService) -> None:
        self._sessions = service.sign_in

    def get(self, token: Any, default: Any = None) -> Any:
        return self._sessions.session_user(token) if isinstance(token, str) else default

    def __getitem__(self, token: str) -> str:
        user = self._sessions.session_user(token)
        if user is None:
            raise KeyError(token)
        return user

    def __setitem__(self, token: str, user: str) -> None:
        self._sessions.sessions.start(user, token)

    def __delitem__(self, token: str) -> None:
        self._sessions.sign_out(token)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sessions.sessions.tokens())

    def __len__(self) -> int:
        return len(self._sessions.sessions.tokens())


def _page(message: str = "", name: str = "", status: int = 200) -> HTMLResponse:
    note = f'<p class="error" role="alert" id="signin-error">{escape(message)}</p>' if message else ""
    body = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{escape(T.SIGN_IN_TITLE)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; background: #f6f6f7;
  display: flex; justify-content: center; padding-top: 12vh; margin: 0; color: #1f2937; }}
form {{ background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 28px 32px; width: 340px; }}
h1 {{ font-size: 1.3rem; margin: 0 0 6px 0; }}
p.hint {{ color: #6b7280; font-size: 0.9em; margin: 0 0 16px 0; }}
label {{ display: block; margin: 12px 0 4px 0; font-size: 0.95em; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 1rem; border: 1px solid #d1d5db; border-radius: 4px; }}
button {{ margin-top: 18px; width: 100%; padding: 9px; font-size: 1rem; background: #dc2626; color: #fff;
  border: 0; border-radius: 4px; cursor: pointer; }}
p.error {{ color: #b91c1c; background: #fef2f2; border: 1px solid #fecaca; padding: 8px; border-radius: 4px; }}
</style></head>
<body><form method="post" action="{SIGN_IN_PATH}">
<h1>{escape(T.APP_TITLE)}</h1>
{T.AUTH_MESSAGE.replace("<p>", '<p class="hint">')}
{note}
<label for="name">{escape(T.SIGN_IN_NAME)}</label>
<input id="name" name="username" autocomplete="username" value="{escape(name)}" required autofocus>
<label for="password">{escape(T.SIGN_IN_PASSWORD)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{escape(T.SIGN_IN_BUTTON)}</button>
</form></body></html>"""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


class SignInGate:
    """ASGI middleware: the sign-in page, and the redirect to it for the app's page."""

    def __init__(self, app: Any, service: DraftingService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"].rstrip("/") or "/", scope["method"]
        response: Response | None = None
        if path == SIGN_IN_PATH and method == "POST":
            response = await self._sign_in(scope, receive)
        elif path == SIGN_IN_PATH:
            response = _page()
        elif path == "/login" and method == "POST":
            # Gradio's own form would skip the attempt limits.
            response = JSONResponse({"detail": T.SIGN_IN_ELSEWHERE}, status_code=403)
        elif path == "/" and method == "GET" and self._user(scope) is None:
            response = RedirectResponse(SIGN_IN_PATH, status_code=303)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _user(self, scope: dict) -> str | None:
        cookie_id = getattr(scope.get("app"), "cookie_id", "")
        cookies = _cookies(scope)
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
        return self.service.sign_in.session_user(token)

    async def _sign_in(self, scope: dict, receive: Any) -> Response:
        form = await _form(receive)
        name, password = form.get("username", ""), form.get("password", "")
        client = (scope.get("client") or ("", 0))[0] or None
        # argon2 takes a noticeable moment: keep it off the event loop.
        outcome = await anyio.to_thread.run_sync(self.service.sign_in.sign_in, name, password, client)
        if not outcome.ok:
            return _page(outcome.message, name, status=429 if outcome.blocked else 401)
        response = RedirectResponse("/", status_code=303)
        cookie_id = scope["app"].cookie_id
        # The two cookies Gradio reads (the secure one for HTTPS pages in frames, the plain one
        # for http://127.0.0.1); both HttpOnly.
        response.set_cookie(
            f"access-token-{cookie_id}", outcome.token or "", httponly=True, samesite="none", secure=True
        )
        response.set_cookie(f"access-token-unsecure-{cookie_id}", outcome.token or "", httponly=True)
        return response


def _cookies(scope: dict) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header means no session
                return {}
    return {k: m.value for k, m in jar.items()}


async def _form(receive: Any) -> dict[str, str]:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES or not message.get("more_body"):
            break
    fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}
