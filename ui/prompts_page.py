"""The prompt maintainers' page: read any template version, save an edit as the next version."""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service import DraftingService
from ui import text as T
from ui.handlers import guarded, notify, username


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the prompts page in the current Blocks context and wire its events."""
    gr.Markdown(T.PROMPTS_HELP, elem_classes="hint")
    with gr.Row(elem_classes="toolbar"):
        template = gr.Dropdown(label=T.PROMPTS_PICK, choices=[], scale=2, elem_id="prompt-pick")
        version = gr.Dropdown(label=T.PROMPTS_VERSION, choices=[], scale=1, elem_id="prompt-version")
        load_btn = gr.Button(T.PROMPTS_LOAD, scale=1)
    source = gr.Code(label=T.PROMPTS_TEXT, language="markdown", lines=24, elem_id="prompt-text")
    save_btn = gr.Button(T.PROMPTS_SAVE, variant="primary", elem_id="prompt-save")

    @guarded
    def on_load(request: gr.Request):
        templates = service.prompt_templates(username(request))
        names = list(templates)
        first = names[0] if names else None
        versions = templates.get(first, []) if first else []
        return {
            template: gr.update(choices=names, value=first),
            version: gr.update(choices=versions, value=versions[-1] if versions else None),
            save_btn: gr.update(interactive=service.can(username(request), "edit_prompts")),
        }

    @guarded
    def on_template(request: gr.Request, name: str | None):
        versions = service.prompt_templates(username(request)).get(name or "", [])
        return gr.update(choices=versions, value=versions[-1] if versions else None)

    @guarded
    def on_open(request: gr.Request, name: str | None, ver: str | None):
        if not name:
            return ""
        return service.prompt_source(username(request), name, ver or None)

    @guarded
    def on_save(request: gr.Request, name: str | None, text: str):
        if not name:
            raise gr.Error(T.PROMPTS_PICK, title=T.ERROR_TITLE)
        user = username(request)
        saved = service.save_prompt(user, name, text)
        notify(T.PROMPTS_SAVED.format(name=name, version=saved))
        versions = service.prompt_templates(user).get(name, [])
        return gr.update(choices=versions, value=saved)

    template.input(on_template, [template], [version])
    load_btn.click(on_open, [template, version], [source])
    save_btn.click(on_save, [template, source], [version])
    return {"load": (on_load, [template, version, save_btn])}
