"""Every public action of every service refuses the wrong caller: signed out, unknown, disabled,
another writer, or a role without the right.

The actions are found by introspecting the facade's services, so a new action fails here until
it is added to EXPECTED below (who must be refused) or to OPEN (with the reason it needs no
check), and a new parameter fails until SAMPLES can fill it. Each refused call must raise a
ServiceError whose message is a refusal, and each action is also called once by someone who may
use it, which must not be refused: a check that refuses everyone would not pass either.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from service_fixtures import FACTS, make_service, service_kb

from drafting.facts.files import parse_facts_file
from drafting.service.facade import DraftingService, ServiceError

# Not actions of a signed-in person; each with the reason it needs no caller check.
OPEN: dict[str, str] = {
    "drafts.outlines": "the report kinds from prompts/outlines, the same for everyone",
    "drafts.parse_facts_text": "parses the text it is given, reads and stores nothing",
    "drafts.facts_from_rows": "parses the rows it is given, reads and stores nothing",
    "generation.mode_label": "names the writing mode shown in the header",
    "generation.uses_model": "whether a model or the offline composer writes, shown on the pages",
    "run_log.action_choices": "the fixed list of action labels for the filter",
    "knowledge.warm_up": "loads the knowledge base at server start",
    "knowledge.ingest_at_startup": "`drafter serve --ingest DIR`, run by whoever starts the server",
    "knowledge.ingest_in_background": "the same, on a thread beside the pages",
    "sign_in.sign_in": "the sign-in itself: checks the password, with attempt limits",
    "sign_in.session_user": "answers for a session token, which is the proof of sign-in",
    "sign_in.sign_out": "ends the session whose token is given",
}
# The access policy is what the actions ask; it is not an action.
NOT_SERVICES = {"settings", "access"}

ANON = {None, "ghost", "x1"}  # signed out, a name that is no user, a disabled writer
NOT_ADMIN = ANON | {"w1", "w2", "r1", "m1"}
OTHERS_DRAFT = ANON | {"w2", "r1", "m1"}  # w1's draft, not shared, not sent for review
NOT_PROMPTS = ANON | {"w1", "w2", "r1"}

# action -> (callers who must be refused, a caller who may use it)
EXPECTED: dict[str, tuple[set[str | None], str]] = {
    "users.list_users": (NOT_ADMIN, "a1"),
    "users.add_user": (NOT_ADMIN, "a1"),
    "users.set_enabled": (NOT_ADMIN, "a1"),
    "users.reset_password": (NOT_ADMIN, "a1"),
    "users.set_role": (NOT_ADMIN, "a1"),
    "run_log.entries": (NOT_ADMIN, "a1"),
    "run_log.users": (NOT_ADMIN, "a1"),
    "model.current": (NOT_ADMIN, "a1"),
    "model.save": (NOT_ADMIN, "a1"),
    "model.clear": (NOT_ADMIN, "a1"),
    "model.test": (NOT_ADMIN, "a1"),
    "drafts.list_drafts": (ANON, "w1"),
    "drafts.start_draft": (ANON | {"r1", "m1"}, "w1"),
    "drafts.open_draft": (OTHERS_DRAFT, "w1"),
    "drafts.plan": (OTHERS_DRAFT, "w1"),
    "drafts.share": (OTHERS_DRAFT, "w1"),
    "editing.check_section": (OTHERS_DRAFT, "w1"),
    "editing.save_section": (OTHERS_DRAFT, "w1"),
    "editing.restore": (OTHERS_DRAFT, "w1"),
    "editing.diff": (OTHERS_DRAFT, "w1"),
    "generation.generate": (OTHERS_DRAFT, "w1"),
    "generation.cancel": (ANON | {"w2", "r1", "m1", "a1"}, "w1"),
    "reviews.review_queue": (ANON | {"w1", "w2", "m1"}, "r1"),
    "reviews.add_comment": (OTHERS_DRAFT, "w1"),
    "reviews.set_comment_status": (OTHERS_DRAFT, "w1"),
    "reviews.submit": (OTHERS_DRAFT, "w1"),
    "reviews.open_items": (OTHERS_DRAFT, "w1"),
    "reviews.decide": (OTHERS_DRAFT | {"w1"}, "a1"),
    "reviews.paragraph_sources": (OTHERS_DRAFT, "w1"),
    "export.export_docx": (OTHERS_DRAFT, "w1"),
    "export.preview": (OTHERS_DRAFT, "w1"),
    "knowledge.documents": (ANON, "r1"),
    "knowledge.background_ingest": (ANON, "r1"),
    "knowledge.document": (ANON, "r1"),
    "knowledge.attention": (ANON, "r1"),
    "knowledge.passages": (ANON, "r1"),
    "knowledge.search": (ANON, "r1"),
    "knowledge.search_aids": (ANON, "r1"),
    "knowledge.ingest": (ANON, "m1"),
    "knowledge.correct_document": (ANON, "m1"),
    "knowledge.move_to_part": (ANON, "m1"),
    "knowledge.remove_document": (NOT_ADMIN, "a1"),
    "prompts.prompt_templates": (ANON, "r1"),  # anyone signed in may read the templates
    "prompts.prompt_versions": (ANON, "r1"),
    "prompts.prompt_source": (ANON, "r1"),
    "prompts.template_purposes": (ANON, "r1"),
    "prompts.save_prompt": (NOT_PROMPTS, "m1"),
    "prompt_lab.model_note": (NOT_PROMPTS, "m1"),
    "prompt_lab.case_ids": (NOT_PROMPTS, "m1"),
    "prompt_lab.active_version": (NOT_PROMPTS, "m1"),
    "prompt_lab.publications": (NOT_PROMPTS, "m1"),
    "prompt_lab.render": (NOT_PROMPTS, "m1"),
    "prompt_lab.run_case": (NOT_PROMPTS, "m1"),
    "prompt_lab.compare": (NOT_PROMPTS, "m1"),
    "prompt_lab.validate": (NOT_PROMPTS, "m1"),
    "prompt_lab.publish": (NOT_PROMPTS, "m1"),
    "prompt_lab.rollback": (NOT_PROMPTS, "m1"),
}

# What a refusal says (and nothing else does): signed out, disabled, the role lacks the right,
# someone else's draft (worded like a missing one), or not this person's to change.
REFUSAL = re.compile(
    "请先登录|已停用|无权|找不到这份材料|不能修改这份材料|不能在这份材料上批注|不能处理这条批注"
    "|只有材料负责人|不能审核自己"
)


def _services(service: DraftingService) -> dict[str, Callable]:
    found = {}
    for attr, obj in vars(service).items():
        if attr in NOT_SERVICES or attr.startswith("_"):
            continue
        for method, _ in inspect.getmembers(type(obj), inspect.isfunction):
            if not method.startswith("_"):
                found[f"{attr}.{method}"] = getattr(obj, method)
    return found


def _all_actions(tmp_path: Path) -> list[str]:
    import os

    os.environ.setdefault("DRAFTER_CONFIG", str(tmp_path / "absent.toml"))
    from drafting.settings import Settings

    return sorted(_services(make_service(Settings(home=tmp_path / "h"), tmp_path, kb=lambda: None)))


@pytest.fixture(scope="module")
def actions(tmp_path_factory) -> list[str]:
    return _all_actions(tmp_path_factory.mktemp("introspect"))


def test_every_action_is_declared(actions: list[str]) -> None:
    undeclared = [a for a in actions if a not in EXPECTED and a not in OPEN]
    assert not undeclared, f"say who may call these (EXPECTED) or why anyone may (OPEN): {undeclared}"
    stale = [a for a in [*EXPECTED, *OPEN] if a not in actions]
    assert not stale, f"declared but gone: {stale}"
    assert len(actions) > 60  # the introspection found the services


class Scene:
    """A service with users, w1's draft (not shared, not sent for review) and a comment on it."""

    def __init__(self, settings, tmp_path: Path) -> None:
        tmp_path.mkdir(parents=True)
        settings = settings.model_copy(update={"home": tmp_path / "home"})
        self.service = make_service(settings, tmp_path, kb=lambda: service_kb(settings))
        # Loading the prompt lab's cases takes seconds (YAML) and has nothing to do with rights.
        self.service.prompt_lab._cases = lambda: []  # type: ignore[method-assign]
        self.service.sign_in._users.add("x1", "writer", "12345678")  # then disabled
        self.service.users.set_enabled("a1", "x1", False)
        self.sheet = parse_facts_file(FACTS)
        ws = self.service.drafts.start_draft("w1", self.sheet)
        self.draft_id = ws.draft.id
        self.key = ws.draft.sections[1].key
        self.service.editing.save_section("w1", self.draft_id, self.key, "今年粮食生产形势总体平稳。")
        self.comment_id = self.service.reviews.add_comment("w1", self.draft_id, 2, self.key, 0, "请核实。").id
        self.upload = tmp_path / "upload.txt"
        self.upload.write_text("关于做好粮食生产工作的报告\n今年粮食生产形势总体平稳。\n", encoding="utf-8")
        self.run_id = "run-of-w1"
        self.cancelled = threading.Event()
        self.service.generation.runs[self.run_id] = ("w1", self.cancelled)
        self.template = "section"
        self.prompt = self.service.prompts.prompt_source("a1", self.template)

    def samples(self, action: str) -> dict[str, Any]:
        prompt_side = action.startswith(("prompts.", "prompt_lab."))
        return {
            "draft_id": self.draft_id,
            "sheet": self.sheet,
            "version": ("v1" if prompt_side else 2),
            "old": 1,
            "new": 2,
            "key": self.key,
            "text": "一段新的文字。",
            "index": 0,
            "decision": "approve",
            "note": "可以",
            "comment_id": self.comment_id,
            "status": "resolved",
            "other": "w2",
            "run_id": self.run_id,
            "files": [("upload.txt", self.upload)],
            "id_or_path": "upload.txt",
            "doc_id": "upload.txt",
            "query": "粮食生产",
            "part": "work",
            "template": self.template,
            "source": self.prompt,
            "case_id": "case-1",
            "version_a": "v1",
            "version_b": "v1",
            "base_url": "http://127.0.0.1:9/v1",
            "model": "m",
            "api_key": "k",
            "new_name": "新同事",
            "role": "writer",
            "target": "w2",
            "enabled": False,
        }

    def call(self, action: str, caller: str | None) -> Any:
        method = _services(self.service)[action]
        samples = self.samples(action)
        args = []
        for param in list(inspect.signature(method).parameters.values()):
            if param.name == "name":
                args.append(caller)
            elif param.kind is param.VAR_KEYWORD or param.default is not param.empty:
                continue
            elif param.name in samples:
                args.append(samples[param.name])
            else:
                pytest.fail(
                    f"no sample value for parameter {param.name!r} of {action}: add one to Scene.samples"
                )
        result = method(*args)
        if inspect.isgenerator(result):  # generation reports refusals as an "error" event
            events = list(result)
            if events and events[-1].kind == "error":
                raise ServiceError(events[-1].text)
            return events
        return result


def _refusal(scene: Scene, action: str, caller: str | None) -> str | None:
    """The refusal message, or None when the call went through (or failed for another reason)."""
    try:
        result = scene.call(action, caller)
    except ServiceError as exc:
        return str(exc) if REFUSAL.search(str(exc)) else None
    if action == "generation.cancel":
        return None if result or scene.cancelled.is_set() else "not cancelled"
    return None


def _scene(factory: pytest.TempPathFactory, label: str) -> Scene:
    tmp = factory.mktemp(label)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DRAFTER_CONFIG", str(tmp / "absent.toml"))
        env.delenv("DRAFTER_LLM__BASE_URL", raising=False)
        from drafting.settings import Settings

        return Scene(Settings(home=tmp / "unused"), tmp / "scene")


# Two scenes for the whole module (building one loads outlines and takes seconds): refused calls
# change nothing, so they share one; the allowed calls share the other, in the order below.
@pytest.fixture(scope="module")
def refused_scene(tmp_path_factory) -> Scene:
    return _scene(tmp_path_factory, "refused")


@pytest.fixture(scope="module")
def allowed_scene(tmp_path_factory) -> Scene:
    return _scene(tmp_path_factory, "allowed")


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_the_wrong_caller_is_refused(action: str, refused_scene: Scene) -> None:
    refused, _ = EXPECTED[action]
    scene = refused_scene
    before = scene.service.run_log.entries("a1").total
    for caller in sorted(refused, key=str):
        message = _refusal(scene, action, caller)
        assert message, f"{action} went through for {caller!r}"
    # Nothing was done in their names: no new successful entry in the run log.
    after = scene.service.run_log.entries("a1", page_size=200).rows
    new = after[: len(after) - before]
    assert not [e for e in new if e.ok], f"{action} logged {new}"


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_the_right_caller_is_not_refused(action: str, allowed_scene: Scene) -> None:
    _, allowed = EXPECTED[action]
    assert _refusal(allowed_scene, action, allowed) is None, f"{action} refused {allowed!r}, who may use it"
