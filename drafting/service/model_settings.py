"""The admin's model settings: which endpoint drafts use, a connection test, and the mode shown.

An endpoint saved here (drafting.store.model_endpoint: data directory, mode 600) replaces the one
from the environment or TOML for every later generation; clearing it goes back to those. The key
goes in and is never given back: views carry only whether a key is set.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from drafting.service.access import AccessPolicy
from drafting.service.planning import DraftPlanner
from drafting.service.views import ServiceError
from drafting.settings import Settings
from drafting.store.model_endpoint import EndpointError, ModelEndpointStore, effective_settings, validate
from drafting.writing.chat import ChatError, ChatModel, build_chat_model

log = logging.getLogger(__name__)

PROBE = [
    {"role": "system", "content": "你是连接测试助手。"},
    {"role": "user", "content": "请只回复两个字：收到"},
]
PROBE_MAX_TOKENS = 16


@dataclass(frozen=True)
class ModelSettingsView:
    base_url: str
    model: str
    has_key: bool
    source: str  # 网页设置 | 配置文件或环境变量 | 未设置
    mode: str  # what drafts will use, in words


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    seconds: float
    message: str  # the model's reply, or the error in Chinese


class ModelSettingsService:
    """Admin-only: read, save, clear and test the model endpoint."""

    def __init__(
        self,
        settings: Settings,
        access: AccessPolicy,
        planner: DraftPlanner,
        store: ModelEndpointStore,
        build_chat: Callable[[Settings], ChatModel | None] = build_chat_model,
    ) -> None:
        self._settings = settings
        self._access = access
        self._planner = planner
        self._store = store
        self._build_chat = build_chat

    def current(self, name: str | None) -> ModelSettingsView:
        self._access.require(name, "configure_model")
        saved = self._store.load()
        llm = effective_settings(self._settings, saved).llm
        source = "网页设置" if saved else "配置文件或环境变量" if llm.base_url else "未设置"
        chat = self._planner.chat
        mode = f"模型 {chat.name}（{llm.base_url}）" if chat is not None else "离线模板撰写（未设置模型接口）"
        has_key = saved.has_key if saved else llm.api_key.get_secret_value() not in ("", "not-needed")
        return ModelSettingsView(llm.base_url or "", llm.model if llm.base_url else "", has_key, source, mode)

    def save(self, name: str | None, base_url: str, model: str, api_key: str | None) -> ModelSettingsView:
        """Save (an empty key keeps the saved one) and use it for every later generation."""
        self._access.require(name, "configure_model")
        try:
            saved = self._store.save(base_url, model, api_key)
        except EndpointError as exc:
            raise ServiceError(str(exc)) from exc
        self._planner.chat = self._build_chat(effective_settings(self._settings, saved))
        log.info("model endpoint set by %s: %s (%s)", name, saved.model, saved.base_url)
        # Never the key: only whether one is stored.
        key_note = "，已更换密钥" if api_key else ""
        self._access.record(name, "model_settings", saved.model, f"接口 {saved.base_url}{key_note}")
        return self.current(name)

    def clear(self, name: str | None) -> ModelSettingsView:
        """Forget the saved endpoint: back to the environment/TOML, or the offline composer."""
        self._access.require(name, "configure_model")
        self._store.clear()
        self._planner.chat = self._build_chat(self._settings)
        self._access.record(name, "model_settings", "", "清除网页设置，改回配置文件或离线模板撰写")
        return self.current(name)

    def test(self, name: str | None, base_url: str, model: str, api_key: str | None) -> ConnectionResult:
        """One short completion against the endpoint in the form (the saved key when none is typed)."""
        self._access.require(name, "configure_model")
        try:
            endpoint = validate(base_url, model, api_key)
        except EndpointError as exc:
            return ConnectionResult(False, 0.0, str(exc))
        saved = self._store.load()
        if endpoint.api_key is None and saved is not None:
            endpoint = type(endpoint)(endpoint.base_url, endpoint.model, saved.api_key)
        probe_settings = effective_settings(self._settings, endpoint)
        probe_settings.llm.max_retries = 0  # a test says what happens now, not after backoff
        probe_settings.llm.timeout_s = min(probe_settings.llm.timeout_s, 60.0)
        started = time.monotonic()
        try:
            chat = self._build_chat(probe_settings)
            if chat is None:
                return ConnectionResult(False, 0.0, "没有填写模型接口地址")
            reply = chat.complete(PROBE, temperature=0.0, max_tokens=PROBE_MAX_TOKENS).text.strip()
        except ChatError as exc:
            return ConnectionResult(False, time.monotonic() - started, str(exc))
        return ConnectionResult(True, time.monotonic() - started, reply[:80])
