"""The prompt maintainers' page: read any template version, save an edit as the next version.

Each version says where it lives: shipped in prompts/ or saved from this page under the data
directory, so a maintainer knows which ones still have to be copied into prompts/ and committed.
The page says whether prompts are in use at all (offline, the composer writes without them), names
each template by what it is for, and shows the chosen version's text as soon as it is chosen.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from drafting.service.facade import DraftingService, TemplateVersion
from ui import render
from ui import text as T
from ui.handlers import guarded, notify, username


def build(service: DraftingService) -> dict[str, Any]:
    """Lay out the prompts page in the current Blocks context and wire its events."""
    gr.Markdown(T.PROMPTS_HELP, elem_classes="hint")
    mode_note = gr.HTML("", elem_id="prompt-mode")
    with gr.Row(elem_classes="toolbar"):
        template = gr.Dropdown(label=T.PROMPTS_PICK, choices=[], scale=2, elem_id="prompt-pick")
        version = gr.Dropdown(label=T.PROMPTS_VERSION, choices=[], scale=1, elem_id="prompt-version")
        load_btn = gr.Button(T.PROMPTS_LOAD, scale=1, elem_id="prompt-open")
    origin = gr.Markdown("", elem_classes="hint", elem_id="prompt-origin")
    source = gr.Code(label=T.PROMPTS_TEXT, language="markdown", lines=24, elem_id="prompt-text")
    save_btn = gr.Button(T.PROMPTS_SAVE, variant="primary", elem_id="prompt-save")

    def chosen(user: str | None, name: str | None) -> tuple[Any, str, str]:
        """The version picker, the note on saved versions and the latest version's text."""
        versions = service.prompts.prompt_versions(user, name) if name else []
        picker, note = _version_outputs(name, versions)
        text = service.prompts.prompt_source(user, name, versions[-1].version) if versions else ""
        return picker, note, text

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        purposes = service.prompts.template_purposes(user)
        # The "section" template is the one drafting uses: show it first.
        names = sorted(purposes, key=lambda n: (n != "section", n))
        first = names[0] if names else None
        picker, note, text = chosen(user, first)
        mode = service.generation.mode_label()
        return {
            mode_note: render.message_html(
                T.PROMPTS_ONLINE.format(mode=mode) if service.generation.uses_model() else T.PROMPTS_OFFLINE,
                "ok" if service.generation.uses_model() else "warn",
            ),
            template: gr.update(choices=[(template_label(n, purposes[n]), n) for n in names], value=first),
            version: picker,
            origin: note,
            source: text,
            save_btn: gr.update(interactive=service.access.can(user, "edit_prompts")),
        }

    @guarded
    def on_template(request: gr.Request, name: str | None):
        return chosen(username(request), name)

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

    template.input(on_template, [template], [version, origin, source])
    version.input(on_open, [template, version], [source])
    load_btn.click(on_open, [template, version], [source])
    save_btn.click(on_save, [template, source], [version, origin, source])
    return {"load": (on_load, [mode_note, template, version, origin, source, save_btn])}


def template_label(name: str, description: str) -> str:
    """A template as the picker lists it: what it is for, then its folder name."""
    purpose = description.split("：")[0].strip() if description else ""
    return f"{purpose}（{name}）" if purpose else name


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
