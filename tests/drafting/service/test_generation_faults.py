"""Model endpoint faults as the web page meets them: the service's events name the failed section
with a Chinese message, the finished sections are saved, and the failed one is generated again
alone. The real openai client talks to the loopback stub; nothing of ours is patched."""

from __future__ import annotations

import pytest
from service_fixtures import make_service

from drafting.settings import Settings
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.stub_llm import StubLLM
from tests import model_faults
from tests.model_faults import MODEL_FAULTS, ModelFault


@pytest.fixture
def fault_settings(monkeypatch, settings) -> Settings:
    for name, value in model_faults.ENV.items():
        monkeypatch.setenv(name, value)
    return Settings()


def _service(settings, tmp_path, url: str):
    chat = OpenAIChatModel(
        base_url=url,
        model="stub-model",
        max_retries=settings.llm.max_retries,
        timeout_s=settings.llm.timeout_s,
    )
    return make_service(settings, tmp_path, chat=chat, kb=lambda: None)


def _sections(draft) -> dict:
    return {s.key: [p.text for p in s.paragraphs] for s in draft.sections if s.status == "done"}


@pytest.mark.parametrize("fault", MODEL_FAULTS, ids=lambda f: f.fault or f.name)
def test_a_fault_is_shown_the_rest_is_saved_and_the_section_retried_alone(
    fault: ModelFault, fault_settings, tmp_path, sheet
) -> None:
    with model_faults.stub() as stub:
        service = _service(fault_settings, tmp_path, stub.base_url)
        did = service.drafts.start_draft("w1", sheet).draft.id
        fault.arm(stub)
        events = list(service.generation.generate("w1", did))
        failed = [e for e in events if e.kind == "failed"]
        assert events[-1].kind == "finished", events[-1].text
        assert len(failed) == 1 and fault.needle in failed[0].text
        draft = service.drafts.open_draft("w1", did).draft
        (broken,) = [s for s in draft.sections if s.status == "failed"]
        assert broken.key == failed[0].key and fault.needle in (broken.error or "")
        kept = _sections(draft)
        assert len(kept) >= 3

        again = list(service.generation.generate("w1", did, keys=[broken.key]))
    assert again[-1].kind == "finished", again[-1].text
    after = service.drafts.open_draft("w1", did)
    assert after.versions[-1].reason == f"regenerate:{broken.key}"
    assert all(s.status == "done" for s in after.draft.sections if s.key in kept or s.key == broken.key)
    assert {k: v for k, v in _sections(after.draft).items() if k in kept} == kept


def test_the_endpoint_going_away_mid_draft_keeps_what_was_written(fault_settings, tmp_path, sheet) -> None:
    """Connection refused after the first section: that section is kept, the others fail with the
    outage named, and once the endpoint is back each is written alone."""
    stub = StubLLM(delay_s=0.3).start()
    port = int(stub.base_url.rsplit(":", 1)[1].split("/")[0])
    service = _service(fault_settings, tmp_path, stub.base_url)
    did = service.drafts.start_draft("w1", sheet).draft.id
    events = []
    for event in service.generation.generate("w1", did):
        events.append(event)
        if event.kind == "done" and stub is not None:
            stub.stop()
            stub = None
    assert events[-1].kind == "finished", events[-1].text
    failed = [e for e in events if e.kind == "failed"]
    assert failed and all("无法连接模型接口" in e.text for e in failed)
    draft = service.drafts.open_draft("w1", did).draft
    assert len(_sections(draft)) >= 1
    with StubLLM(port=port):
        for event in failed:
            again = list(service.generation.generate("w1", did, keys=[event.key]))
            assert again[-1].kind == "finished", again[-1].text
    draft = service.drafts.open_draft("w1", did).draft
    assert not [s for s in draft.sections if s.status == "failed"]
