"""The admin's model settings page: endpoint, model and key; "测试连接"; which mode drafts use.

The key box is a password field that always comes back empty: the service never returns a key.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, ModelSettingsView
from ui import text as T
from ui.handlers import guarded, notify, username


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the model settings page in the current Blocks context and wire its events."""
    gr.Markdown(T.MODEL_HELP, elem_classes="hint")
    status = gr.Markdown("", elem_id="model-status")
    base_url = gr.Textbox(label=T.MODEL_BASE_URL, placeholder=T.MODEL_BASE_URL_HINT, elem_id="model-url")
    model = gr.Textbox(label=T.MODEL_NAME, elem_id="model-name")
    key = gr.Textbox(label=T.MODEL_KEY, type="password", elem_id="model-key")
    with gr.Row(elem_classes="toolbar"):
        test_btn = gr.Button(T.MODEL_TEST, elem_id="model-test")
        save_btn = gr.Button(T.MODEL_SAVE, variant="primary", elem_id="model-save")
        clear_btn = gr.Button(T.MODEL_CLEAR, variant="secondary", elem_id="model-clear")
    result = gr.Markdown("", elem_id="model-test-result")

    def _show(view: ModelSettingsView) -> tuple[Any, ...]:
        key_state = T.MODEL_KEY_SET if view.has_key else T.MODEL_KEY_UNSET
        placeholder = T.MODEL_KEY_HINT_SET if view.has_key else T.MODEL_KEY_HINT_UNSET
        return (
            T.MODEL_STATUS.format(mode=view.mode, source=view.source, key=key_state),
            gr.update(value=view.base_url),
            gr.update(value=view.model),
            gr.update(value="", placeholder=placeholder),
        )

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        if not service.access.can(user, "configure_model"):
            return "", gr.update(), gr.update(), gr.update()
        return _show(service.model.current(user))

    @guarded
    def on_test(request: gr.Request, url: str, name: str, secret: str):
        outcome = service.model.test(username(request), url, name, secret)
        if outcome.ok:
            return T.MODEL_TEST_OK.format(seconds=outcome.seconds, reply=outcome.message)
        return T.MODEL_TEST_FAILED.format(seconds=outcome.seconds, error=outcome.message)

    @guarded
    def on_save(request: gr.Request, url: str, name: str, secret: str):
        view = service.model.save(username(request), url, name, secret)
        notify(T.MODEL_SAVED.format(model=view.model))
        return _show(view)

    @guarded
    def on_clear(request: gr.Request):
        view = service.model.clear(username(request))
        notify(T.MODEL_CLEARED)
        return _show(view)

    outputs = [status, base_url, model, key]
    test_btn.click(on_test, [base_url, model, key], [result])
    save_btn.click(on_save, [base_url, model, key], outputs)
    clear_btn.click(on_clear, None, outputs)
    return {"load": (on_load, outputs)}
