"""The Gradio app: sign-in, a header naming the user and the writing mode, one tab per page.

Pages are built by their own modules; this one assembles them, shows each role the tabs it can
use (the service enforces the same rules on every action), and launches the server.
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from drafting.service.facade import ROLE_LABELS, DraftingService
from ui import admin_page, knowledge_page, locale, model_page, prompt_lab_page, prompts_page, review_page
from ui import text as T
from ui.draft import page as draft_page
from ui.handlers import guarded, username
from ui.sign_in_page import SessionTokens, SignInGate

STYLE = Path(__file__).with_name("style.css")


def theme() -> gr.themes.Base:
    # Local font names only: the default theme would otherwise ask Google Fonts, which is not
    # reachable from the machines this runs on.
    return gr.themes.Default(
        primary_hue="red",
        neutral_hue="slate",
        font=[
            "Noto Sans CJK SC",
            "Source Han Sans SC",
            "Microsoft YaHei",
            "PingFang SC",
            "system-ui",
            "sans-serif",
        ],
        font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "monospace"],
    )


def build_app(service: DraftingService) -> gr.Blocks:
    """The whole UI as a Blocks app bound to ``service``."""
    with gr.Blocks(
        title=T.APP_TITLE,
        analytics_enabled=False,
        fill_width=True,
        delete_cache=(3600, 86400),  # hourly, files older than a day: exported drafts do not linger
    ) as app:
        with gr.Row(elem_id="app-header", equal_height=True):
            gr.Markdown(f"# {T.APP_TITLE}\n{T.APP_SUBTITLE}")
            who = gr.Markdown("", elem_id="who")
            gr.Button(T.LOGOUT, link="/logout", size="sm", variant="secondary", scale=0, elem_id="logout")
        with gr.Tabs(elem_id="pages") as tabs:
            with gr.Tab(T.TAB_DRAFT, id="draft", elem_id="tab-draft") as draft_tab:
                draft = draft_page.build(service)
            with gr.Tab(T.TAB_REVIEW, id="review", elem_id="tab-review") as review_tab:
                review = review_page.build(service)
            with gr.Tab(T.TAB_KNOWLEDGE, id="knowledge", elem_id="tab-knowledge") as knowledge_tab:
                knowledge = knowledge_page.build(service)
            with gr.Tab(T.TAB_PROMPTS, id="prompts", elem_id="tab-prompts") as prompts_tab:
                prompts = prompts_page.build(service)
                lab = prompt_lab_page.build(service)
            with gr.Tab(T.TAB_MODEL, id="model", elem_id="tab-model") as model_tab:
                model = model_page.build(service)
            with gr.Tab(T.TAB_USERS, id="users", elem_id="tab-users") as users_tab:
                users = admin_page.build_users(service)
            with gr.Tab(T.TAB_RUN_LOG, id="run-log", elem_id="tab-run-log") as log_tab:
                run_log = admin_page.build_run_log(service)

        @guarded
        def on_load(request: gr.Request):
            name = username(request)
            user = service.access.user(name)
            may_draft, may_review = service.access.can(name, "draft"), service.access.can(name, "review")
            first = "draft" if may_draft else "review" if may_review else "knowledge"
            return {
                who: T.SIGNED_IN.format(
                    name=user.name, role=ROLE_LABELS[user.role], mode=service.generation.mode_label()
                ),
                # Tabs a role cannot use are greyed out (this Gradio ignores visibility updates on
                # tabs); the service refuses the actions anyway.
                draft_tab: gr.update(interactive=may_draft),
                review_tab: gr.update(interactive=may_review),
                prompts_tab: gr.update(interactive=service.access.can(name, "edit_prompts")),
                model_tab: gr.update(interactive=service.access.can(name, "configure_model")),
                users_tab: gr.update(interactive=service.access.can(name, "manage_users")),
                log_tab: gr.update(interactive=service.access.can(name, "manage_users")),
                tabs: gr.update(selected=first),
            }

        app.load(
            on_load, None, [who, draft_tab, review_tab, prompts_tab, model_tab, users_tab, log_tab, tabs]
        )
        for page in (draft, review, knowledge, prompts, lab, model, users, run_log):
            handler, outputs = page["load"]
            app.load(handler, None, outputs)
        # The document list needs the knowledge base, which may still be loading its model at
        # start-up: fetch it when the page is opened, not with every sign-in.
        handler, outputs = knowledge["refresh"]
        knowledge_tab.select(handler, None, outputs)
    return app


def launch(service: DraftingService, host: str, port: int, *, block: bool = True) -> gr.Blocks:
    """Serve the UI with sign-in; returns the app (immediately when ``block`` is False, for tests).

    People sign in on /signin (ui/sign_in_page.py), which applies the attempt limits; Gradio's
    own password check is left in place refusing everyone, so its auth stays switched on and no
    request reaches a page without a session the service knows."""
    settings = service.settings
    # Gradio keeps uploads and downloads in this folder. Given resolved, it is not resolved again
    # for every component Gradio builds (a measurable share of a busy server's time); an
    # operator's own GRADIO_TEMP_DIR is kept.
    settings.web_cache_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.web_cache_dir.resolve()))
    app = build_app(service)
    app.queue(default_concurrency_limit=settings.ui.concurrency)
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    app.launch(
        server_name=host,
        server_port=port,
        auth=lambda _name, _password: False,
        auth_message=T.AUTH_MESSAGE,
        ssr_mode=False,
        footer_links=[],
        run_history=False,  # drafts are confidential: keep no copy of calls in the browser
        enable_monitoring=False,
        mcp_server=False,
        show_error=False,
        max_file_size="50mb",
        # Exports are copied from here into Gradio's cache to be downloaded; the databases never are.
        allowed_paths=[str(settings.exports_dir)],
        blocked_paths=[
            str(p)
            for p in (
                settings.kb_db_path,
                settings.drafts_db_path,
                settings.chroma_path,
                settings.home / "accounts.sqlite3",
                settings.home / "reviews.sqlite3",
            )
        ],
        theme=theme(),
        css_paths=[STYLE],
        # Gradio's own words follow the browser's language; this product is Chinese-only.
        i18n=gr.I18n(**{locale.LOCALE: T.GRADIO_ZH_CN}),
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={"middleware": [*locale.middleware(), Middleware(SignInGate, service=service)]},
    )
    # Sessions live in the service (they expire); Gradio asks app.tokens about every request.
    app.server_app.tokens = SessionTokens(service)  # type: ignore[assignment]  # Gradio types it as a dict
    if block:
        app.block_thread()
    return app
