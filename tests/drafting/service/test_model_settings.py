"""The admin's model settings through the service: saved outside the source tree with mode 600,
the key never given back, "测试连接" as one short completion against the local stub endpoint."""

from __future__ import annotations

import json
import logging
import stat

import pytest
from argon2 import PasswordHasher

from drafting.service.facade import DraftingService, ServiceError, build_service
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.store.model_endpoint import FILE_NAME
from drafting.writing.stub_llm import StubLLM

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
KEY = "sk-test-secret-1234567890"


@pytest.fixture
def service(settings) -> DraftingService:
    users = UserStore(accounts_db_path(settings.home), hasher=FAST)
    users.add("a1", "admin", "12345678")
    users.add("w1", "writer", "12345678")
    return build_service(settings, users=users)


def test_only_an_admin_sees_or_changes_the_model_settings(service):
    with pytest.raises(ServiceError):
        service.model.current("w1")
    with pytest.raises(ServiceError):
        service.model.save("w1", "http://127.0.0.1:9/v1", "m", KEY)
    view = service.model.current("a1")
    assert view.source == "未设置" and "离线模板撰写" in view.mode


def test_saving_switches_drafts_to_the_model_and_keeps_the_key_private(service, settings, caplog):
    caplog.set_level(logging.DEBUG)
    with StubLLM() as stub:
        view = service.model.save("a1", stub.base_url, stub.model, KEY)
        assert view.source == "网页设置" and view.has_key and stub.model in view.mode
        assert KEY not in repr(view)
        assert service.generation.mode_label() == f"模型 {stub.model}"
        path = settings.home / FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert json.loads(path.read_text())["api_key"] == KEY
        # Saving again without a key keeps the saved one.
        service.model.save("a1", stub.base_url, "other-model", "")
        assert json.loads(path.read_text())["api_key"] == KEY
        # A restarted service uses the saved endpoint.
        again = build_service(settings, users=UserStore(accounts_db_path(settings.home), hasher=FAST))
        assert again.generation.mode_label() == "模型 other-model"
        # The key reached the endpoint as the bearer token, nowhere else.
        result = service.model.test("a1", stub.base_url, stub.model, "")
        assert result.ok
        (request,) = [r for r in stub.chat_requests]
        assert request.body["max_tokens"] == 16
    assert KEY not in caplog.text
    service.model.clear("a1")
    assert not path.exists() and service.generation.mode_label() == "离线模板撰写"


def test_connection_test_reports_time_and_reply_or_a_clear_error(service):
    with StubLLM(responder=lambda messages: "收到") as stub:
        result = service.model.test("a1", stub.base_url, stub.model, KEY)
        assert result.ok and result.message == "收到" and result.seconds > 0
        stub.fail_next("500")
        failed = service.model.test("a1", stub.base_url, stub.model, KEY)
    assert not failed.ok and "HTTP 500" in failed.message
    bad = service.model.test("a1", "ftp://x", "m", "")
    assert not bad.ok and "地址无效" in bad.message
    down = service.model.test("a1", "http://127.0.0.1:9/v1", "m", "")
    assert not down.ok and "无法连接" in down.message
    # Testing saves nothing.
    assert service.model.current("a1").source == "未设置"


def test_an_invalid_endpoint_is_refused_with_a_message(service):
    with pytest.raises(ServiceError, match="模型名称"):
        service.model.save("a1", "http://127.0.0.1:9/v1", " ", KEY)
    with pytest.raises(ServiceError, match="地址无效"):
        service.model.save("a1", "not a url", "m", KEY)
