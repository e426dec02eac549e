"""The prompt lab (maintainers only), under the prompt editor: render a version on any case, run
one case live, compare two versions (table, bar chart, outputs side by side), publish and roll
back. It only calls service.prompt_lab and always says which model the figures came from.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from drafting.service.facade import DraftingService
from ui import render
from ui.handlers import guarded, notify, username

TEMPLATE = "section"  # the one template the pipeline drafts with; outlines have one file each


def build(service: DraftingService) -> dict[str, Any]:
    lab = service.prompt_lab
    gr.Markdown(
        "## 提示词实验\n在评测用例上看渲染后的提示词、试跑一个用例、比较两个版本，然后发布或回退。标有“留出”的用例只用来检验，不要照着它调模板。"
    )
    model_note = gr.Markdown("", elem_id="lab-model")
    active = gr.Markdown("", elem_id="lab-active")
    with gr.Row():
        case = gr.Dropdown(label="评测用例", choices=[], scale=2, elem_id="lab-case")
        version_a = gr.Dropdown(label="版本 A", choices=[], scale=1, elem_id="lab-a")
        version_b = gr.Dropdown(label="版本 B", choices=[], scale=1, elem_id="lab-b")
    with gr.Row():
        render_btn = gr.Button("渲染版本 A 的提示词", elem_id="lab-render")
        run_btn = gr.Button("用版本 A 试跑此用例", elem_id="lab-run")
        scope = gr.Radio(
            ["此用例", "全部开发用例"], value="全部开发用例", label="比较范围", elem_id="lab-scope"
        )
        compare_btn = gr.Button("比较 A 与 B", variant="primary", elem_id="lab-compare")
        publish_btn = gr.Button("发布版本 A", elem_id="lab-publish")
        rollback_btn = gr.Button("回退到上一次发布的版本", elem_id="lab-rollback")
    prompt = gr.Code(label="渲染后的提示词（每节一段）", language="markdown", lines=16, elem_id="lab-prompt")
    case_result = gr.Markdown("", elem_id="lab-case-result")
    comparison_note = gr.Markdown("", elem_id="lab-compare-note")
    table = gr.Dataframe(label="两个版本的合计", interactive=False, elem_id="lab-table")
    chart = gr.BarPlot(x="指标", y="数值", color="版本", label="各项指标", elem_id="lab-chart")
    outputs = gr.Dataframe(label="各用例的稿子（并排）", interactive=False, wrap=True, elem_id="lab-outputs")

    def _active_text(user: str | None) -> str:
        current = lab.active_version(user, TEMPLATE)
        lines = [f"**{TEMPLATE} 当前使用的版本：{current}**"]
        for p in lab.publications(user, TEMPLATE)[-5:]:
            action = "发布" if p.action == "publish" else "回退到"
            lines.append(f"- {render.moment(p.at)} {p.who} {action} {p.version}")
        return "\n".join(lines)

    @guarded
    def on_load(request: gr.Request):
        user = username(request)
        if not service.access.can(user, "edit_prompts"):
            return {model_note: "只有提示词维护人可以使用提示词实验。"}
        versions = service.prompts.prompt_templates(user).get(TEMPLATE, [])
        cases = lab.case_ids(user)
        current = lab.active_version(user, TEMPLATE)
        other = versions[-1] if versions else None
        return {
            model_note: lab.model_note(user),
            active: _active_text(user),
            case: gr.update(choices=cases, value=cases[0][1] if cases else None),
            version_a: gr.update(choices=versions, value=current),
            version_b: gr.update(choices=versions, value=other),
        }

    @guarded
    def on_render(request: gr.Request, case_id: str, a: str):
        return lab.render(username(request), TEMPLATE, a, case_id)

    @guarded
    def on_run(request: gr.Request, case_id: str, a: str):
        m = lab.run_case(username(request), TEMPLATE, a, case_id)
        if m.error:
            return f"**{case_id}（{TEMPLATE}@{a}）出错：** {m.error}"
        return (
            f"**{case_id}（{TEMPLATE}@{a}）**：检查 {m.checks_passed}/{m.checks_total}，事实 {m.facts_found}/{m.facts_expected}，"
            f"无出处数字 {m.unsupported_number}、名称 {m.unsupported_name}、引文 {m.unsupported_quote}，"
            f"字数 {m.length}，{m.seconds:.1f} 秒，tokens {m.prompt_tokens + m.completion_tokens}\n\n"
            + "\n\n".join(m.text.split("\n"))
        )

    @guarded
    def on_compare(request: gr.Request, case_id: str, a: str, b: str, which: str):
        chosen = case_id if which == "此用例" else "dev"
        result = lab.compare(username(request), TEMPLATE, a, b, cases=chosen)
        worse = "；".join(f"{c}（{'，'.join(r)}）" for c, r in result.worse) or "无"
        note = f"{lab.model_note(username(request))}\n\n评测 #{result.a.id} 与 #{result.b.id}。{b} 变差的用例：{worse}"
        rows = pd.DataFrame(
            [[label, _fmt(x), _fmt(y), _fmt(d)] for label, x, y, d in result.rows],
            columns=["指标", f"{TEMPLATE}@{a}", f"{TEMPLATE}@{b}", "差"],
        )
        bars = pd.DataFrame(
            [
                {"指标": c["metric"], "版本": c["version"], "数值": c["value"]}
                for c in result.chart
                if c["metric"] not in ("用时（秒，逐例相加）", "生成 tokens", "提示 tokens")
            ]
        )
        side = pd.DataFrame(result.outputs, columns=["用例", f"{a} 的稿子", f"{b} 的稿子"])
        return note, rows, bars, side

    @guarded
    def on_publish(request: gr.Request, a: str):
        user = username(request)
        done = lab.publish(user, TEMPLATE, a)
        notify(f"已发布 {TEMPLATE}@{done.version}，新起草的稿子将使用这一版本。")
        return _active_text(user)

    @guarded
    def on_rollback(request: gr.Request):
        user = username(request)
        done = lab.rollback(user, TEMPLATE)
        notify(f"已回退，{TEMPLATE} 当前版本为 {done.version}。")
        return _active_text(user)

    render_btn.click(on_render, [case, version_a], [prompt])
    run_btn.click(on_run, [case, version_a], [case_result])
    compare_btn.click(
        on_compare, [case, version_a, version_b, scope], [comparison_note, table, chart, outputs]
    )
    publish_btn.click(on_publish, [version_a], [active])
    rollback_btn.click(on_rollback, None, [active])
    return {"load": (on_load, [model_note, active, case, version_a, version_b])}


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
