"""A distinctive API key, planted in the settings and typed into the model page, never shows up in
logs, messages, service results, files under the data directory, an exported .docx, the run log
or the CLI's output, while the model endpoint fails every way the stub can (including a 401 that
quotes the key back).

The one file allowed to hold it is model_endpoint.json, where an admin's key is kept (mode 600).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr
from service_fixtures import FACTS, make_service

from drafting.facts.files import parse_facts_file
from drafting.service.facade import DraftingService, ServiceError
from drafting.writing.chat import build_chat_model
from drafting.writing.stub_llm import FAULTS, StubLLM

KEY = "sk-planted-KEY-7f3a9c2e5b1d"
TYPED = "sk-typed-in-page-KEY-4e8d0b6a"
REPO = Path(__file__).resolve().parents[4]


def _texts_under(home: Path) -> dict[str, str]:
    """Every file under the data directory as text (a .docx unpacked, databases as bytes)."""
    found = {}
    for path in home.rglob("*"):
        if not path.is_file() or path.name == "model_endpoint.json":
            continue
        data = path.read_bytes()
        found[str(path)] = data.decode("latin-1") + data.decode("utf-8", "replace")
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as docx:
                found[str(path)] += "".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist())
    return found


@pytest.fixture
def stub():
    with StubLLM(hang_s=3.0) as server:
        yield server


@pytest.fixture
def service(settings, tmp_path, stub) -> DraftingService:
    llm = settings.llm.model_copy(
        update={
            "base_url": stub.base_url,
            "model": stub.model,
            "api_key": SecretStr(KEY),
            "max_retries": 0,
            "timeout_s": 2.0,
        }
    )
    configured = settings.model_copy(update={"llm": llm})

    return make_service(configured, tmp_path, kb=lambda: None, chat=build_chat_model(configured))


def test_the_key_never_leaks(service: DraftingService, stub, caplog, tmp_path) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    sheet = parse_facts_file(FACTS)
    draft_id = service.drafts.start_draft("w1", sheet).draft.id
    for fault in FAULTS:
        stub.fail_next(fault, times=50)
        events = list(service.generation.generate("w1", draft_id))
        seen += [repr(e) for e in events]
        assert events[-1].kind in ("finished", "error"), fault
        stub.clear_faults()
    # The model page: test and save with a typed key, against a failing and a working endpoint.
    stub.fail_next("401_echo", times=1)
    seen.append(repr(service.model.test("a1", stub.base_url, stub.model, TYPED)))
    assert any(r.api_key == TYPED for r in stub.requests), "the typed key was not sent"
    seen.append(repr(service.model.save("a1", stub.base_url, stub.model, TYPED)))
    seen.append(repr(service.model.current("a1")))
    with pytest.raises(ServiceError) as refused:
        service.model.save("a1", "not a url", stub.model, TYPED)
    seen.append(str(refused.value))
    stub.fail_next("401_echo", times=50)
    seen += [repr(e) for e in service.generation.generate("w1", draft_id)]
    stub.clear_faults()
    seen.append(repr(service.export.export_docx("w1", draft_id)))
    seen.append(repr(service.run_log.entries("a1", page_size=200)))

    saved = service.settings.home / "model_endpoint.json"
    assert (saved.stat().st_mode & 0o777) == 0o600
    logs = "\n".join(r.getMessage() + str(r.exc_info or "") + str(r.args) for r in caplog.records)
    for key in (KEY, TYPED):
        assert key not in logs
        assert not [s for s in seen if key in s]
        assert not [p for p, text in _texts_under(service.settings.home).items() if key in text]
    # It was really exercised: the planted key went out and a 401 quoted it back.
    assert any(r.api_key == KEY and r.status == 401 for r in stub.requests)


def test_the_cli_never_prints_the_key(stub, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        DRAFTER_HOME=str(tmp_path / "home"),
        DRAFTER_CONFIG=str(tmp_path / "absent.toml"),
        DRAFTER_LLM__BASE_URL=stub.base_url,
        DRAFTER_LLM__MODEL=stub.model,
        DRAFTER_LLM__API_KEY=KEY,
        DRAFTER_LLM__MAX_RETRIES="0",
        DRAFTER_LLM__REPAIR_ATTEMPTS="0",
        PYTHONPATH=str(REPO),
    )
    stub.fail_next("401_echo", times=100)
    out = tmp_path / "out.docx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "drafting",
            "draft",
            "--facts",
            str(FACTS),
            "--no-retrieval",
            "--out",
            str(out),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert any(r.api_key == KEY and r.status == 401 for r in stub.requests)
    assert KEY not in done.stdout + done.stderr, (done.stdout + done.stderr)[-2000:]
    files = _texts_under(tmp_path)
    assert not [p for p, text in files.items() if KEY in text]
