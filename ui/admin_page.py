"""The admin's pages: users (add, disable/enable, reset password, change role) and the run log.

Everything goes through service.users and service.run_log, which refuse anyone but an admin.
A generated password is shown once, in its own box, and never again.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import ROLE_LABELS, DraftingService, RunLogView, UserRow
from ui import text as T
from ui.handlers import guarded, notify, username
from ui.render import moment

ROLE_CHOICES = [(label, role) for role, label in ROLE_LABELS.items()]


def _user_rows(users: list[UserRow]) -> list[list[Any]]:
    return [
        [u.name, u.role_label, T.ADMIN_DISABLED if u.disabled else T.ADMIN_ENABLED, moment(u.created_at)]
        for u in users
    ]


def build_users(service: DraftingService) -> dict[str, Any]:
    """The user-management page, in the current Blocks context."""
    gr.Markdown(T.ADMIN_USERS_HELP, elem_classes="hint")
    table = gr.Dataframe(headers=T.ADMIN_USER_HEADERS, interactive=False, wrap=True, elem_id="admin-users")
    with gr.Row(elem_classes="toolbar"):
        new_name = gr.Textbox(label=T.ADMIN_NEW_NAME, elem_id="admin-new-name")
        new_role = gr.Dropdown(ROLE_CHOICES, value="writer", label=T.ADMIN_ROLE, elem_id="admin-new-role")
        add_btn = gr.Button(T.ADMIN_ADD, variant="primary", elem_id="admin-add")
    with gr.Row(elem_classes="toolbar"):
        target = gr.Dropdown([], label=T.ADMIN_TARGET, elem_id="admin-target")
        role = gr.Dropdown(ROLE_CHOICES, label=T.ADMIN_ROLE, elem_id="admin-role")
        role_btn = gr.Button(T.ADMIN_SET_ROLE, elem_id="admin-set-role")
        disable_btn = gr.Button(T.ADMIN_DISABLE, variant="stop", elem_id="admin-disable")
        enable_btn = gr.Button(T.ADMIN_ENABLE, elem_id="admin-enable")
        reset_btn = gr.Button(T.ADMIN_RESET, elem_id="admin-reset")
    password = gr.Markdown("", elem_id="admin-password")

    def listing(user: str | None) -> tuple[Any, Any]:
        users = service.users.list_users(user)
        return _user_rows(users), gr.update(choices=[u.name for u in users])

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        if not service.access.can(user, "manage_users"):
            return gr.update(), gr.update()
        return listing(user)

    @guarded
    def on_add(request: gr.Request, name: str, role_value: str):
        user = username(request)
        created = service.users.add_user(user, name, role_value)
        notify(T.ADMIN_ADDED.format(name=created.user))
        return (
            *listing(user),
            T.ADMIN_PASSWORD_ONCE.format(name=created.user, password=created.password),
            "",
        )

    @guarded
    def on_enable(request: gr.Request, name: str | None, enabled: bool):
        if not name:
            raise gr.Error(T.ADMIN_PICK, title=T.ERROR_TITLE)
        user = username(request)
        service.users.set_enabled(user, name, enabled)
        notify((T.ADMIN_ENABLED_DONE if enabled else T.ADMIN_DISABLED_DONE).format(name=name))
        return listing(user)

    @guarded
    def on_reset(request: gr.Request, name: str | None):
        if not name:
            raise gr.Error(T.ADMIN_PICK, title=T.ERROR_TITLE)
        fresh = service.users.reset_password(username(request), name)
        return T.ADMIN_PASSWORD_ONCE.format(name=fresh.user, password=fresh.password)

    @guarded
    def on_role(request: gr.Request, name: str | None, role_value: str | None):
        if not name or not role_value:
            raise gr.Error(T.ADMIN_PICK_ROLE, title=T.ERROR_TITLE)
        user = username(request)
        row = service.users.set_role(user, name, role_value)
        notify(T.ADMIN_ROLE_DONE.format(name=name, role=row.role_label))
        return listing(user)

    def on_disable(request: gr.Request, name: str | None):
        return on_enable(request, name, False)

    def on_reenable(request: gr.Request, name: str | None):
        return on_enable(request, name, True)

    add_btn.click(on_add, [new_name, new_role], [table, target, password, new_name])
    disable_btn.click(on_disable, [target], [table, target])
    enable_btn.click(on_reenable, [target], [table, target])
    reset_btn.click(on_reset, [target], [password])
    role_btn.click(on_role, [target, role], [table, target])
    return {"load": (on_load, [table, target])}


def build_run_log(service: DraftingService) -> dict[str, Any]:
    """The run-log page, in the current Blocks context."""
    gr.Markdown(T.LOG_HELP, elem_classes="hint")
    with gr.Row(elem_classes="toolbar"):
        who = gr.Dropdown([], label=T.LOG_USER, allow_custom_value=True, elem_id="log-user")
        action = gr.Dropdown(
            [(T.LOG_ALL, "")] + service.run_log.action_choices(),
            value="",
            label=T.LOG_ACTION,
            elem_id="log-action",
        )
        since = gr.Textbox(label=T.LOG_SINCE, placeholder="2026-12-01", elem_id="log-since")
        until = gr.Textbox(label=T.LOG_UNTIL, placeholder="2026-12-31", elem_id="log-until")
        show = gr.Button(T.LOG_SHOW, variant="primary", elem_id="log-show")
    with gr.Row(elem_classes="toolbar"):
        prev_btn = gr.Button(T.LOG_PREV, size="sm", elem_id="log-prev")
        status = gr.Markdown("", elem_id="log-status")
        next_btn = gr.Button(T.LOG_NEXT, size="sm", elem_id="log-next")
    table = gr.Dataframe(headers=T.LOG_HEADERS, interactive=False, wrap=True, elem_id="log-table")
    page = gr.State(1)

    def render(view: RunLogView) -> tuple[Any, ...]:
        rows = [[r.at, r.user, r.action, r.target, r.detail, "✓" if r.ok else "✗"] for r in view.rows]
        return rows, T.LOG_STATUS.format(page=view.page, pages=view.pages, total=view.total), view.page

    @guarded
    def on_show(request: gr.Request, user: str | None, act: str, first: str, last: str, number: int):
        view = service.run_log.entries(
            username(request), user=user or None, action=act or None, since=first, until=last, page=number
        )
        return render(view)

    @guarded
    def on_load(request: gr.Request):
        name = username(request)
        if not service.access.can(name, "manage_users"):
            return gr.update(), gr.update(), gr.update(), gr.update()
        names = service.run_log.users(name)
        return (
            gr.update(choices=[(T.LOG_ALL, "")] + [(n, n) for n in names], value=""),
            *render(service.run_log.entries(name)),
        )

    filters = [who, action, since, until]
    outputs = [table, status, page]

    def on_first(request: gr.Request, user: str | None, act: str, first: str, last: str):
        return on_show(request, user, act, first, last, 1)

    def on_prev(request: gr.Request, user: str | None, act: str, first: str, last: str, number: int):
        return on_show(request, user, act, first, last, max(1, number - 1))

    def on_next(request: gr.Request, user: str | None, act: str, first: str, last: str, number: int):
        return on_show(request, user, act, first, last, number + 1)

    show.click(on_first, filters, outputs)
    prev_btn.click(on_prev, [*filters, page], outputs)
    next_btn.click(on_next, [*filters, page], outputs)
    return {"load": (on_load, [who, *outputs])}
