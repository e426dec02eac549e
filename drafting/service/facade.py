"""The one object the web UI calls: every action a signed-in person can take, with its permission check.

The UI passes the signed-in user's name (Gradio's request.username) with every call; the service
looks the user up and enforces what their role and the draft's ownership allow, so hiding a button
is never the only protection. Errors a person can fix come out as ServiceError with a Chinese
message; anything else is a bug and is left to propagate (the UI logs it and says so).

The actions live in one mixin per job (drafting/service_*.py); this module wires the collaborators
and composes them into DraftingService.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafting.facts.table import PART_LABELS, sheet_rows
from drafting.service.access import DraftAccess
from drafting.service.components import build_knowledge_base
from drafting.service.editing import EditingActions
from drafting.service.export import ExportActions
from drafting.service.generation import GenerationActions
from drafting.service.knowledge import KnowledgeActions, SharedKnowledgeBase
from drafting.service.planning import PlanningActions
from drafting.service.prompts import PromptActions
from drafting.service.review import ReviewActions
from drafting.service.views import ParagraphSources, SectionPlan, ServiceError, Workspace
from drafting.settings import Settings
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.store.drafts import DraftStore
from drafting.store.reviews import ReviewStore, reviews_db_path
from drafting.word.export import DocxExporter
from drafting.writing.chat import build_chat_model
from drafting.writing.templates import TemplateVersion, prompt_library

# Re-exported: the UI imports everything it needs from this module alone.
__all__ = [
    "PART_LABELS",
    "DraftingService",
    "ParagraphSources",
    "SectionPlan",
    "ServiceError",
    "TemplateVersion",
    "Workspace",
    "build_service",
    "sheet_rows",
]


class DraftingService(
    GenerationActions,
    EditingActions,
    PlanningActions,
    ReviewActions,
    ExportActions,
    KnowledgeActions,
    PromptActions,
    DraftAccess,
):
    """Everything the web UI does, for a named signed-in user, with permissions enforced here.

    Collaborators are passed in (tests give fakes or small real ones); ``build_service`` wires the
    real ones from Settings. The knowledge base is built on first use, since loading an
    embedding model takes seconds and a sign-in page should not wait for it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        users: UserStore,
        reviews: ReviewStore,
        drafts: DraftStore,
        knowledge_base: Any | Callable[[], Any] | None = None,
        chat: Any | None = None,
        exporter: Any | None = None,
        prompts: Any | None = None,
        render_pages: Callable[[Path, Path], list[Path]] | None = None,
    ) -> None:
        self.settings = settings
        self.users = users
        self.reviews = reviews
        self.drafts = drafts
        self._kb_source = knowledge_base
        self._kb = (
            None
            if callable(knowledge_base) or knowledge_base is None
            else SharedKnowledgeBase(knowledge_base)
        )
        self._kb_lock = threading.Lock()
        self.chat = chat
        self.exporter = exporter or DocxExporter(reference_docx=settings.reference_docx)
        self.prompts = prompts
        self._render_pages = render_pages
        self._runs = {}
        self._runs_lock = threading.Lock()


def build_service(settings: Settings, *, users: UserStore | None = None) -> DraftingService:
    """The service with the real collaborators the settings describe (the knowledge base built lazily)."""
    return DraftingService(
        settings,
        users=users or UserStore(accounts_db_path(settings.home)),
        reviews=ReviewStore(reviews_db_path(settings.home)),
        drafts=DraftStore(settings.drafts_db_path),
        knowledge_base=lambda: build_knowledge_base(settings),
        chat=build_chat_model(settings),
        prompts=prompt_library(settings),
    )
