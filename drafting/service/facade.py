"""The one object the web UI calls: a service per job, all sharing one access policy.

The UI passes the signed-in user's name (Gradio's request.username) with every call, e.g.
``service.reviews.submit(user, draft_id)``; the services look the user up and enforce what their
role and the draft's ownership allow, so hiding a button is never the only protection. Errors a
person can fix come out as ServiceError with a Chinese message; anything else is a bug and is left
to propagate (the UI logs it and says so).

    access      sign-in, roles, "may this user do this to this draft"   (access.py)
    drafts      report kinds, facts, start / list / open / share / plan  (drafts.py)
    editing     check and save a section, restore and compare versions   (editing.py)
    generation  write a draft or a section in the background, stop it    (generation.py)
    reviews     comments, submission, decisions, a paragraph's sources   (reviews.py)
    export      Word file and page preview                               (export.py)
    knowledge   upload, list, open, search and remove past reports       (knowledge.py)
    prompts     read and save prompt-template versions                   (prompts.py)
    prompt_lab  render on a case, run, compare, publish and roll back    (prompt_lab.py)
    model       the model endpoint an admin sets and tests               (model_settings.py)
    sign_in     attempt limits and sessions that expire                 (security/sign_in.py)
    users       admins manage users                                      (security/users.py)
    run_log     who did what and when, for admins                        (security/run_log.py)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from drafting.facts.table import PART_LABELS, sheet_rows
from drafting.service.access import AccessPolicy
from drafting.service.components import build_knowledge_base
from drafting.service.drafts import DraftService
from drafting.service.editing import EditingService
from drafting.service.export import ExportService
from drafting.service.generation import GenerationService
from drafting.service.knowledge import BackgroundIngest, KnowledgeService
from drafting.service.model_settings import ConnectionResult, ModelSettingsService, ModelSettingsView
from drafting.service.planning import DraftPlanner
from drafting.service.ports import (
    DraftRepository,
    KnowledgeIndex,
    PageRenderer,
    ReviewLog,
)
from drafting.service.prompt_lab import PromptLabService
from drafting.service.prompts import PromptService
from drafting.service.reviews import ReviewService
from drafting.service.security.run_log import RunLogRow, RunLogService, RunLogView
from drafting.service.security.sign_in import SignInOutcome, SignInService
from drafting.service.security.users import NewPassword, UserAdminService, UserRow
from drafting.service.shared_knowledge import KnowledgeBaseSlot
from drafting.service.views import (
    DraftListing,
    GenerationEvent,
    NeedsConfirmation,
    ParagraphSources,
    ReviewStep,
    SectionPlan,
    ServiceError,
    Workspace,
    section_notes,
)
from drafting.settings import Settings
from drafting.store.accounts import ROLE_LABELS, UserStore
from drafting.store.drafts import DraftStore
from drafting.store.model_endpoint import ModelEndpointStore, effective_settings
from drafting.store.reviews import Comment, ReviewStore
from drafting.store.run_log import RunLogStore
from drafting.word.export import DocxExporter, Exporter
from drafting.writing.chat import ChatModel, build_chat_model
from drafting.writing.repair import repair_note
from drafting.writing.templates import PromptLibrary, TemplateVersion, prompt_library

# Re-exported: the UI imports everything it needs from this module alone.
__all__ = [
    "PART_LABELS",
    "ROLE_LABELS",
    "Comment",
    "DraftListing",
    "DraftingService",
    "GenerationEvent",
    "NeedsConfirmation",
    "ReviewStep",
    "ParagraphSources",
    "SectionPlan",
    "ServiceError",
    "TemplateVersion",
    "Workspace",
    "build_service",
    "repair_note",
    "section_notes",
    "BackgroundIngest",
    "ConnectionResult",
    "ModelSettingsView",
    "NewPassword",
    "RunLogRow",
    "RunLogView",
    "SignInOutcome",
    "UserRow",
    "sheet_rows",
]


class DraftingService:
    """Everything the web UI does, one service per job, with permissions enforced by each.

    Collaborators are passed in (tests give fakes or small real ones); ``build_service`` wires the
    real ones from Settings. ``knowledge_base`` is a knowledge base, a function building one on
    first use (returning None: run without one), or None to build the configured one on first use.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        users: UserStore,
        reviews: ReviewLog,
        drafts: DraftRepository,
        knowledge_base: KnowledgeIndex | Callable[[], KnowledgeIndex | None] | None = None,
        chat: ChatModel | None = None,
        exporter: Exporter | None = None,
        prompts: PromptLibrary | None = None,
        render_pages: PageRenderer | None = None,
        run_log: RunLogStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        knowledge = KnowledgeBaseSlot(
            knowledge_base if knowledge_base is not None else lambda: build_knowledge_base(settings)
        )
        planner = DraftPlanner(settings, drafts, chat=chat, prompts=prompts)
        run_log = run_log or RunLogStore.from_settings(settings)
        self.access = AccessPolicy(users, drafts, reviews, run_log)
        self.sign_in = SignInService(self.access, users, settings.security, clock)
        self.users = UserAdminService(self.access, users, self.sign_in.sessions.end_user)
        self.run_log = RunLogService(self.access, run_log)
        self.drafts = DraftService(settings, self.access, drafts, reviews, planner, knowledge)
        self.editing = EditingService(self.access, drafts, planner, knowledge)
        self.generation = GenerationService(self.access, drafts, planner, knowledge)
        self.reviews = ReviewService(self.access, drafts, reviews, knowledge)
        self.export = ExportService(
            self.access,
            drafts,
            exporter or DocxExporter(reference_docx=settings.reference_docx),
            settings.exports_dir,
            render_pages,
        )
        self.knowledge = KnowledgeService(self.access, knowledge, settings.home / "library")
        self.prompts = PromptService(self.access, lambda: prompts or prompt_library(settings))
        self.prompt_lab = PromptLabService(self.access, settings, lambda: prompts or prompt_library(settings))
        self.model = ModelSettingsService(settings, self.access, planner, ModelEndpointStore(settings.home))


def build_service(settings: Settings, *, users: UserStore | None = None) -> DraftingService:
    """The service with the real collaborators the settings describe (the knowledge base built lazily)."""
    return DraftingService(
        settings,
        users=users or UserStore.from_settings(settings),
        reviews=ReviewStore.from_settings(settings),
        drafts=DraftStore.from_settings(settings),
        # The endpoint an admin saved in the web UI wins over the environment/TOML one.
        chat=build_chat_model(effective_settings(settings, ModelEndpointStore(settings.home).load())),
        prompts=prompt_library(settings),
    )
