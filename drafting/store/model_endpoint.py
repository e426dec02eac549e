"""The model endpoint an admin set in the web UI: base URL, model name and key, under the data dir.

Kept in DRAFTER_HOME/model_endpoint.json with file mode 600 (written atomically, created with that
mode, so the key is never readable by others even for an instant). The key is read back only to
build the chat client: it is a SecretStr everywhere, never returned to the UI, never logged. An
endpoint saved here overrides ``llm.base_url`` / ``llm.model`` / ``llm.api_key`` from the
environment or TOML; clearing it returns to those (or to the offline composer).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from drafting.settings import Settings

log = logging.getLogger(__name__)

FILE_NAME = "model_endpoint.json"


class EndpointError(ValueError):
    """A stored or submitted endpoint that cannot be used; Chinese message."""


@dataclass(frozen=True)
class ModelEndpoint:
    base_url: str
    model: str
    api_key: SecretStr | None = None

    @property
    def has_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())

    def __repr__(self) -> str:  # the dataclass default would print the SecretStr's mask only, but say so
        return f"ModelEndpoint(base_url={self.base_url!r}, model={self.model!r}, has_key={self.has_key})"


class ModelEndpointStore:
    """Reads and writes the admin's endpoint; one small JSON file."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FILE_NAME

    def load(self) -> ModelEndpoint | None:
        """The saved endpoint, or None when none is saved (or the file is unreadable: logged, not raised)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            key = data.get("api_key")
            return ModelEndpoint(
                base_url=str(data["base_url"]),
                model=str(data["model"]),
                api_key=SecretStr(key) if isinstance(key, str) and key else None,
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("模型接口设置文件 %s 无法读取，按未设置处理", self.path)
            return None

    def save(
        self, base_url: str, model: str, api_key: str | None = None, *, keep_key: bool = True
    ) -> ModelEndpoint:
        """Save the endpoint. ``api_key`` None (or empty) keeps the saved key when ``keep_key``."""
        endpoint = validate(base_url, model, api_key)
        if endpoint.api_key is None and keep_key and (old := self.load()) is not None:
            endpoint = ModelEndpoint(endpoint.base_url, endpoint.model, old.api_key)
        payload = {"base_url": endpoint.base_url, "model": endpoint.model}
        if endpoint.api_key is not None:
            payload["api_key"] = endpoint.api_key.get_secret_value()
        _write_private(self.path, json.dumps(payload, ensure_ascii=False))
        return endpoint

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def validate(base_url: str, model: str, api_key: str | None = None) -> ModelEndpoint:
    """A ModelEndpoint from form input, or EndpointError naming what is wrong."""
    base_url, model = (base_url or "").strip(), (model or "").strip()
    if not model:
        raise EndpointError("请填写模型名称")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"模型接口地址无效：{base_url!r}（应形如 https://api.example.com/v1）")
    key = (api_key or "").strip()
    return ModelEndpoint(base_url, model, SecretStr(key) if key else None)


def effective_settings(settings: Settings, endpoint: ModelEndpoint | None) -> Settings:
    """``settings`` with the saved endpoint applied (unchanged when there is none)."""
    if endpoint is None:
        return settings
    update: dict[str, object] = {"base_url": endpoint.base_url, "model": endpoint.model}
    if endpoint.api_key is not None:
        update["api_key"] = endpoint.api_key
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=update)})


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model_endpoint.", suffix=".tmp")  # mode 600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
