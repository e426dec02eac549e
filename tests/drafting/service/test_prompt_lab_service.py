"""The prompt lab service: maintainers only; render, run one case, compare, publish, roll back."""

from __future__ import annotations

import pytest
from service_fixtures import FAST

from drafting.service.facade import build_service
from drafting.service.views import ServiceError
from drafting.settings import Settings
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.writing.stub_llm import StubLLM, facts_responder


def _service(settings: Settings):
    users = UserStore(accounts_db_path(settings.home), hasher=FAST)
    users.add("wang", "maintainer", "pw-123456")
    users.add("li", "writer", "pw-123456")
    return build_service(settings, users=users)


def _inventor(messages):
    text = facts_responder(messages)
    return text if "自查" in messages[0]["content"] else text + "累计投入资金9,999万元。"


def test_lab_on_a_model_compares_publishes_and_rolls_back(settings: Settings) -> None:
    with StubLLM(responder=_inventor) as stub:
        live = settings.model_copy(
            update={"llm": settings.llm.model_copy(update={"base_url": stub.base_url})}
        )
        service = _service(live)
        lab = service.prompt_lab
        with pytest.raises(ServiceError):
            lab.case_ids("li")  # writers do not use the lab
        assert stub.base_url in lab.model_note("wang")
        labelled = lab.case_ids("wang")
        ids = [i for _, i in labelled]
        dev_cases = sum(1 for label, i in labelled if label == i)
        assert "heldout-hospital-half-year" in ids and "half-year-basic" in ids
        prompt = lab.render("wang", "section", "v2", "half-year-basic")
        assert "# 节 work:0" in prompt and "举办科级干部培训班3期" in prompt and "自查" in prompt
        one = lab.run_case("wang", "section", "v1", "numbers-verbatim")
        assert one.unsupported_number > 0 and "9,999万元" in one.text
        comparison = lab.compare("wang", "section", "v1", "v2", cases="dev")
    by_label = {row[0]: row for row in comparison.rows}
    assert by_label["无出处数字"][1] > 0 and by_label["无出处数字"][2] == 0
    assert {c["version"] for c in comparison.chart} == {"v1", "v2"}
    assert len(comparison.outputs) == dev_cases >= 11 and comparison.worse == []

    assert lab.active_version("wang", "section") == "v1"
    with pytest.raises(ServiceError):
        lab.publish("li", "section", "v2")
    done = lab.publish("wang", "section", "v2")
    assert (done.version, done.who) == ("v2", "wang")
    assert lab.active_version("wang", "section") == "v2"
    assert service.drafts is not None
    with pytest.raises(ServiceError, match="没有更早发布的版本"):
        lab.rollback("wang", "section")
    lab.publish("wang", "section", "v1")
    assert lab.rollback("wang", "section").version == "v2"
    assert [p.action for p in lab.publications("wang", "section")] == ["publish", "publish", "rollback"]


def test_offline_lab_says_prompts_play_no_part(settings: Settings) -> None:
    lab = _service(settings).prompt_lab
    assert "提示词模板不起作用" in lab.model_note("wang")
    metrics = lab.run_case("wang", "section", "v1", "speech")
    assert metrics.error is None and metrics.prompt_tokens == 0


def test_a_configured_endpoint_that_does_not_answer_is_one_clear_message(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"llm": settings.llm.model_copy(update={"base_url": "http://127.0.0.1:9/v1"})}
    )
    lab = _service(dead).prompt_lab
    with pytest.raises(ServiceError, match="没有应答"):
        lab.run_case("wang", "section", "v1", "speech")
    with pytest.raises(ServiceError, match="没有应答"):
        lab.compare("wang", "section", "v1", "v2", cases="speech")
