"""The drafting pipeline as the services use it: one built per action from the settings, the chat
model and the prompt library, and the fact sheet a saved draft was written from."""

from __future__ import annotations

from drafting.model import FactSheet, Outline
from drafting.outlines.planning import SectionSpec
from drafting.service.ports import DraftRepository, PassageSource
from drafting.service.views import ServiceError
from drafting.settings import Settings
from drafting.writing.active_versions import active_template_version
from drafting.writing.chat import ChatModel
from drafting.writing.pipeline import SECTION_TEMPLATE, DraftingPipeline, DraftVersions
from drafting.writing.templates import PromptLibrary, prompt_library

EXEMPLARS_K = 3  # exemplars a section's prompt carries
EXEMPLARS_SHOWN = 6  # candidates shown to the writer, who may pin some beyond the first three


class DraftPlanner:
    """Builds pipelines with the service's model and prompts, and reads a draft's facts back."""

    def __init__(
        self,
        settings: Settings,
        drafts: DraftRepository,
        *,
        chat: ChatModel | None,
        prompts: PromptLibrary | None,
    ) -> None:
        self._settings = settings
        self._drafts = drafts
        self.chat = chat
        self._prompts = prompts

    def pipeline(
        self, *, knowledge_base: PassageSource | None = None, store: DraftVersions | None = None
    ) -> DraftingPipeline:
        llm = self._settings.llm
        library = self._prompts or prompt_library(self._settings)
        return DraftingPipeline(
            outlines_dir=self._settings.outlines_dir,
            prompts=library,
            chat=self.chat,
            knowledge_base=knowledge_base,
            store=store,
            exemplars_k=EXEMPLARS_K,
            concurrency=llm.concurrency,
            temperature=llm.temperature,
            max_tokens=llm.max_tokens,
            # Read per pipeline, so a version published on the lab page applies to the next draft.
            template_version=active_template_version(self._settings, library, SECTION_TEMPLATE),
            repair_attempts=llm.repair_attempts,
            max_answer_chars=llm.max_answer_chars,
        )

    def sections(self, sheet: FactSheet) -> tuple[Outline, list[SectionSpec]]:
        """The outline for the sheet's kind and the sections to write."""
        return self.pipeline().plan(sheet)

    def sheet(self, draft_id: str) -> FactSheet:
        """The facts the latest version of a draft was written from."""
        sheet = self._drafts.get_version(draft_id).facts
        if sheet is None:
            raise ServiceError("这份材料没有保存事实，请在“事实”中重新填写后点击“准备起草”。")
        return sheet
