"""The prompt maintainers' page: read any template version, save an edit as the next version.

Each version says where it lives: shipped in prompts/ or saved from this page under the data
directory, so a maintainer knows which ones still have to be copied into prompts/ and committed.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, TemplateVersion
from ui import text as T
from ui.handlers import guarded, notify, username


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the prompts page in the current Blocks context and wire its events."""
    gr.Markdown(T.PROMPTS_HELP, elem_classes="hint")
    with gr.Row(elem_classes="toolbar"):
        template = gr.Dropdown(label=T.PROMPTS_PICK, choices=[], scale=2, elem_id="prompt-pick")
        version = gr.Dropdown(label=T.PROMPTS_VERSION, choices=[], scale=1, elem_id="prompt-version")
        load_btn = gr.Button(T.PROMPTS_LOAD, scale=1, elem_id="prompt-open")
    origin = gr.Markdown("", elem_classes="hint", elem_id="prompt-origin")
    source = gr.Code(label=T.PROMPTS_TEXT, language="markdown", lines=24, elem_id="prompt-text")
    save_btn = gr.Button(T.PROMPTS_SAVE, variant="primary", elem_id="prompt-save")

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        names = list(service.prompts.prompt_templates(user))
        first = names[0] if names else None
        picker, note = _version_outputs(first, service.prompts.prompt_versions(user, first) if first else [])
        return {
            template: gr.update(choices=names, value=first),
            version: picker,
            origin: note,
            save_btn: gr.update(interactive=service.access.can(user, "edit_prompts")),
        }

    @guarded
    def on_template(request: gr.Request, name: str | None):
        return _version_outputs(
            name, service.prompts.prompt_versions(username(request), name) if name else []
        )

    @guarded
    def on_open(request: gr.Request, name: str | None, ver: str | None):
        if not name:
            return ""
        return service.prompts.prompt_source(username(request), name, ver or None)

    @guarded
    def on_save(request: gr.Request, name: str | None, text: str):
        if not name:
            raise gr.Error(T.PROMPTS_PICK, title=T.ERROR_TITLE)
        user = username(request)
        saved = service.prompts.save_prompt(user, name, text)
        notify(T.PROMPTS_SAVED.format(name=name, version=saved))
        picker, note = _version_outputs(name, service.prompts.prompt_versions(user, name), selected=saved)
        # The editor shows the file as saved (its front matter now names the new version).
        return picker, note, service.prompts.prompt_source(user, name, saved)

    template.input(on_template, [template], [version, origin])
    load_btn.click(on_open, [template, version], [source])
    save_btn.click(on_save, [template, source], [version, origin, source])
    return {"load": (on_load, [template, version, origin, save_btn])}


def _version_outputs(
    name: str | None, versions: list[TemplateVersion], selected: str | None = None
) -> tuple[Any, str]:
    """The version picker (latest selected unless told) and the note on where saved versions are."""
    label = {True: T.PROMPTS_VERSION_SAVED, False: T.PROMPTS_VERSION_SHIPPED}
    choices = [(label[v.saved].format(version=v.version), v.version) for v in versions]
    value = selected or (versions[-1].version if versions else None)
    saved = [v for v in versions if v.saved]
    note = (
        T.PROMPTS_ORIGIN_SAVED.format(
            versions="、".join(v.version for v in saved), folder=saved[0].path.parent, name=name
        )
        if saved
        else ""
    )
    return gr.update(choices=choices, value=value), note
