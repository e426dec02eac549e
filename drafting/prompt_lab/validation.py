"""Checks a template version must pass before it is published.

It must render on every evaluation case with no missing variable (strict rendering) and no
declared-but-unused variable, and every rendered section prompt plus the answer budget must fit
the model's context. Tokens are estimated conservatively as one per character: Qwen-style
tokenizers average well under one token per Chinese character, so a prompt that fits by this
count fits in practice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drafting.outlines.outline import get_outline
from drafting.outlines.planning import plan_sections, section_variables
from drafting.prompt_lab.runner import GroupedCase
from drafting.prompt_lab.scoring import CaseReferences
from drafting.writing.pipeline import EXEMPLARS_K
from drafting.writing.templates import PromptLibrary, TemplateError
from retrieval.documents import SearchFilters

if TYPE_CHECKING:
    from drafting.settings import Settings


def estimate_tokens(text: str) -> int:
    """One token per character: a deliberate over-estimate for Chinese text (see module doc)."""
    return len(text)


@dataclass
class ValidationReport:
    template: str
    version: str
    context_tokens: int
    answer_tokens: int
    problems: list[str] = field(default_factory=list)
    largest_prompt_tokens: int = 0
    largest_prompt_at: str = ""
    prompts_rendered: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.template}@{self.version}：渲染 {self.prompts_rendered} 个节提示词；最长约 "
            f"{self.largest_prompt_tokens} tokens（{self.largest_prompt_at}，按每字 1 token 保守估计），"
            f"加回答上限 {self.answer_tokens}，上下文 {self.context_tokens}。"
        )
        if self.ok:
            return head + "\n可以发布。"
        return head + "\n不能发布：\n" + "\n".join(f"  - {p}" for p in self.problems)


def validate_template(
    library: PromptLibrary, name: str, version: str, cases: list[GroupedCase], settings: Settings
) -> ValidationReport:
    """Render ``name@version`` for every section of every case, as the pipeline would."""
    context = settings.llm.context_tokens
    report = ValidationReport(name, version, context, settings.llm.max_tokens)
    try:
        template = library.get(name, version)
    except TemplateError as exc:
        report.problems.append(str(exc))
        return report
    used = library.used_variables(template)
    unused = [v for v in template.variables if v not in used]
    if unused:
        report.problems.append(f"文件头列出但正文没有用到的变量：{'、'.join(unused)}")
    for grouped in cases:
        case = grouped.case
        outline = get_outline(settings.outlines_dir, case.sheet.kind)
        references = CaseReferences(case.references)
        for spec in plan_sections(outline, case.sheet):
            exemplars = [
                h.passage for h in references.search("", SearchFilters(part=spec.part), k=EXEMPLARS_K)
            ]
            where = f"{case.id} / {spec.key}"
            try:
                rendered = library.render(
                    name, section_variables(spec, case.sheet, outline, exemplars), version=version
                )
            except TemplateError as exc:
                report.problems.append(f"{where}：{exc}")
                continue
            report.prompts_rendered += 1
            tokens = sum(estimate_tokens(m["content"]) for m in rendered.messages)
            if tokens > report.largest_prompt_tokens:
                report.largest_prompt_tokens, report.largest_prompt_at = tokens, where
            if tokens + report.answer_tokens > context:
                report.problems.append(
                    f"{where}：提示词约 {tokens} tokens，加回答上限 {report.answer_tokens} 超出上下文 {context}"
                )
    return report
