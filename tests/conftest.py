from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from drafting.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus" / "reports"

# Property tests (hypothesis) in the default suite: the same examples every run (derandomize), few
# enough to stay fast, no example database written into the tree. HYPOTHESIS_PROFILE=thorough runs
# many more when a parser or the check changes. The autouse home fixture is harmless to share
# between examples: the properties read no settings and write nothing.
_PROPERTY_DEFAULTS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("suite", max_examples=60, **_PROPERTY_DEFAULTS)
hypothesis_settings.register_profile("thorough", max_examples=2_000, **_PROPERTY_DEFAULTS)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


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
