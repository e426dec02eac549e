"""Each model endpoint fault, through `drafter draft` and the real openai client against the loopback
stub: one clear Chinese line for the failed section, the finished sections saved, and
`drafter regenerate` writing the failed section alone afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.store.drafts import DraftStore
from tests import model_faults
from tests.model_faults import MODEL_FAULTS, ModelFault

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name, value in model_faults.ENV.items():
        monkeypatch.setenv(name, value)
    return work


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fault", MODEL_FAULTS, ids=lambda f: f.fault or f.name)
def test_a_fault_fails_one_section_keeps_the_rest_and_it_can_be_retried(
    fault: ModelFault, capsys, monkeypatch, settings
) -> None:
    with model_faults.stub() as stub:
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        fault.arm(stub)
        code, out, err = run(
            capsys, "draft", "--facts", str(FACTS), "--json", "--out", "d.docx", "--no-retrieval"
        )
        assert code == 3, err
        assert "Traceback" not in err
        result = json.loads(out)
        failed = [s for s in result["sections"] if s["status"] == "failed"]
        assert len(failed) == 1, [s["error"] for s in failed]
        key = failed[0]["key"]
        assert fault.needle in failed[0]["error"]
        assert "未完成：" in err and fault.needle in err
        assert f"drafter regenerate {result['id']} {key}" in err
        assert Path("d.docx").exists()
        done = {s["key"]: s["paragraphs"] for s in result["sections"] if s["status"] == "done"}
        assert len(done) >= 3  # the finished sections are in the saved draft

        code, out, err = run(capsys, "regenerate", result["id"], key, "--no-retrieval")
    assert code == 0, err
    assert "已重新生成" in out and "第 2 版" in out
    saved = DraftStore(settings.drafts_db_path).get_version(result["id"])
    assert saved.number == 2 and saved.info.reason == f"regenerate:{key}"
    by_key = {s.key: s for s in saved.draft.sections}
    assert by_key[key].status == "done"
    for other, paragraphs in done.items():
        assert [p.text for p in by_key[other].paragraphs] == [p["text"] for p in paragraphs]


def test_regenerate_names_what_is_wrong(capsys, monkeypatch) -> None:
    code, _, err = run(capsys, "regenerate", "nope", "work:0", "--no-retrieval")
    assert code == 1 and err.startswith("错误：") and "找不到草稿" in err
