from __future__ import annotations

from pathlib import Path

import pytest

from drafting.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus" / "reports"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and no user config leaks in."""
    home = tmp_path / "home"
    monkeypatch.setenv("DRAFTER_HOME", str(home))
    monkeypatch.setenv("DRAFTER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for var in ("DRAFTER_LLM__BASE_URL", "DRAFTER_CHROMA__HOST", "DRAFTER_EMBEDDING__MODEL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def settings(_isolated_home: Path) -> Settings:
    return Settings()
