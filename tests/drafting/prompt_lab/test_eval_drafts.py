"""`drafter eval drafts` over every case: offline composer, an HTTP stub the real openai client
talks to, two versions compared, runs kept and shown again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.prompt_lab.eval_models import open_eval_model
from drafting.prompt_lab.report import format_comparison, run_totals
from drafting.prompt_lab.runner import load_case_groups, run_eval
from drafting.prompt_lab.runs import EvalRunStore
from drafting.settings import Settings
from drafting.writing.stub_llm import StubLLM, facts_responder

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "corpus" / "eval" / "drafting_cases"


def test_case_sets_have_dev_and_heldout_cases_of_every_kind() -> None:
    cases = load_case_groups(CASES, "all")
    groups = [c.group for c in cases]
    assert groups.count("dev") >= 10 and groups.count("heldout") == 5
    assert {c.case.sheet.kind for c in cases} == {"half-year", "year-end", "quarterly", "speech"}
    assert len({c.case.id for c in cases}) == len(cases)


def test_offline_composer_over_all_cases(settings: Settings) -> None:
    cases = load_case_groups(CASES, "all")
    with open_eval_model("offline", settings) as model:
        run = run_eval(cases, "section", "v1", model, settings, jobs=4)
    rows = run.results[0]
    t = run_totals(run)
    assert len(rows) == 17 and not any(m.error for m in rows)
    # The composer states every required fact and invents nothing (measured: 158 of 158).
    assert t["facts_found"] == sum(m.facts_expected for m in rows) == 158
    assert t["unsupported_number"] == 0 and t["unsupported_quote"] == 0 and t["forbidden"] == 0
    assert t["parts_missing"] == 0 and t["verbatim_copies"] == 0
    assert t["headings_in_order"] == sum(m.headings_expected for m in rows) == 41
    # Known shortfall, measured: composer drafts are shorter than most targets (9 of 17 in
    # range). The held-out speech's name flag went with the sharper name extraction (issue 10).
    # Anything else failing is a regression.
    assert t["length_ok"] == 9
    assert t["unsupported_name"] == 0
    unexpected = [(m.case_id, c) for m in rows for c in m.failed_checks if not c.startswith("字数")]
    assert unexpected == []
    assert t["removals"] is None or t["removals"] == 0
    assert all(m.prompt_tokens == 0 for m in rows)  # prompts play no part offline


def test_stub_endpoint_over_all_cases_through_the_real_client(settings: Settings) -> None:
    cases = load_case_groups(CASES, "all")
    with StubLLM(responder=facts_responder) as stub:
        with open_eval_model(stub.base_url, settings, temperature=0.0, seed=7) as model:
            run = run_eval(cases, "section", "v2", model, settings, jobs=3)
        bodies = [r.body or {} for r in stub.chat_requests]
    rows = run.results[0]
    t = run_totals(run)
    assert not any(m.error for m in rows)
    assert {b.get("seed") for b in bodies} == {7} and {b.get("temperature") for b in bodies} == {0.0}
    assert t["unsupported_number"] == 0 and t["forbidden"] == 0
    assert t["facts_found"] >= 0.9 * sum(m.facts_expected for m in rows)
    assert t["completion_tokens"] > 0 and t["prompt_tokens"] > t["completion_tokens"]


def _inventor(marker: str):
    """Invents a figure unless the system prompt carries ``marker`` (the v2 self-check rule)."""

    def answer(messages):
        text = facts_responder(messages)
        if marker not in messages[0]["content"]:
            text += "全年累计投入资金9,999万元。"
        return text

    return answer


def test_two_versions_compared_stored_and_shown(
    capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    only = ["half-year-basic", "numbers-verbatim"]
    with StubLLM(responder=_inventor("自查")) as stub:
        code = main(
            [
                "eval",
                "drafts",
                "--template",
                "section@v1",
                "--vs",
                "section@v2",
                "--model",
                stub.base_url,
                "--cases",
                "dev",
                "--only",
                *only,
                "--repeats",
                "2",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0
    assert "section@v1" in out and "section@v2" in out and "最小" in out  # repeats show the spread
    assert "变差的用例：无" in out
    store = EvalRunStore(settings.home / "prompt_lab.sqlite3")
    newest, older = store.history()[:2]
    assert (older.version, newest.version) == ("v1", "v2")
    v1, v2 = store.get(older.id), store.get(newest.id)
    assert len(v1.results) == 2 and [m.case_id for m in v1.results[0]] == only
    assert run_totals(v1)["unsupported_number"] > 0 and run_totals(v2)["unsupported_number"] == 0
    # Reversed, v1 is the worse one and every case is named.
    reversed_text = format_comparison(v2, v1)
    assert "half-year-basic" in reversed_text.split("变差的用例：")[1]

    assert main(["eval", "history"]) == 0
    assert f"#{newest.id}" in capsys.readouterr().out
    assert main(["eval", "show", str(older.id), "--case", "numbers-verbatim"]) == 0
    assert "9,999万元" in capsys.readouterr().out


def test_clear_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["eval", "drafts", "--template", "section"]) == 2
    assert "名称@版本" in capsys.readouterr().err
    monkeypatch.setenv("DRAFTER_LOCAL_MODEL__PORT", "9")  # nothing listens there
    assert main(["eval", "drafts", "--template", "section@v1", "--model", "local"]) == 2
    assert "drafter local-model" in capsys.readouterr().err
    with StubLLM() as stub:
        assert main(["eval", "drafts", "--template", "section@v999", "--model", stub.base_url]) == 2
    assert "v999" in capsys.readouterr().err
    monkeypatch.setenv("DRAFTER_LLM__MAX_RETRIES", "0")
    # Nothing answers at the address: one message before any case runs.
    dead = ["eval", "drafts", "--template", "section@v1", "--model", "http://127.0.0.1:9/v1"]
    assert main(dead) == 2
    captured = capsys.readouterr()
    assert "http://127.0.0.1:9/v1 没有应答" in captured.err and "出错的用例" not in captured.out
    # An endpoint that fails every answer fails its cases, recorded as errors; the run still ends.
    with StubLLM() as stub:
        stub.fail_next("500", times=10**6)
        only_speech = [
            "eval",
            "drafts",
            "--template",
            "section@v1",
            "--model",
            stub.base_url,
            "--only",
            "speech",
        ]
        assert main(only_speech) == 1
    out = capsys.readouterr().out
    assert "出错的用例" in out
    assert re.search(r"字数达标的用例\s+0\n", out)  # a case that was not drafted meets no target
    assert main(["eval", "show", "999"]) == 2


def test_habits_model_counts_what_normalisation_removed(
    capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    only = ["half-year-basic", "numbers-verbatim", "quarterly-keywords"]
    only = [c.case.id for c in load_case_groups(CASES, "dev") if c.case.id in only]
    code = main(
        ["eval", "drafts", "--template", "section@v1", "--model", "habits", "--cases", "dev", "--only", *only]
    )
    out = capsys.readouterr().out
    assert "模型 habits" in out and "整理" in out
    run = EvalRunStore(settings.home / "prompt_lab.sqlite3").history()[0]
    rows = EvalRunStore(settings.home / "prompt_lab.sqlite3").get(run.id).results[0]
    assert code in (0, 1) and not any(m.error for m in rows)
    # Real counts from the sections: every case's draft had habits taken out; repair was off.
    assert all(m.removals and m.removals > 0 for m in rows)
    assert all(m.repairs is None for m in rows)
    assert sum(m.unsupported_number for m in rows) == 0


def test_repairs_are_counted_when_the_run_repairs(
    capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    def invents_until_asked_again(messages):
        text = facts_responder(messages)
        if "【核对发现的问题】" not in messages[-1]["content"]:
            text += "全年累计投入资金9,999万元。"
        return text

    with StubLLM(responder=invents_until_asked_again) as stub:
        code = main(
            ["eval", "drafts", "--template", "section@v1", "--model", stub.base_url, "--cases", "dev",
             "--only", "half-year-basic", "--repair", "1"]
        )  # fmt: skip
        asked_again = sum("【核对发现的问题】" in r.messages[-1]["content"] for r in stub.chat_requests)
    assert code == 0, capsys.readouterr().err
    store = EvalRunStore(settings.home / "prompt_lab.sqlite3")
    run = store.get(store.history()[0].id)
    (m,) = run.results[0]
    assert run.settings["repair_attempts"] == 1
    assert m.repairs == asked_again > 0 and m.unsupported_number == 0
    assert m.removals == 0  # the stub's answers carry no habits: counted, and none found
