"""kill -9 in the middle of an ingest, then the same ingest again: the knowledge base is the one a
clean ingest builds (same documents, passages, vectors and search results), with nothing twice.

The ingest runs in a real process over the real parser and the embedded Chroma, with the hashing
embedder so it takes seconds; the same through `drafter ingest` and the packaged model is the
slow test in tests/drafting/cli/test_killed_cli.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.kill_helpers import REPO, python, run_and_kill

CORPUS = REPO / "corpus" / "reports"

INGEST = """
import sys
from pathlib import Path
from drafting.settings import RetrievalSettings
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.vector_store import ChromaVectorStore
from retrieval.ingest.ingestion import FacadeParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import load_lexicon
home, folder = Path(sys.argv[1]), sys.argv[2]
kb = KnowledgeBase(catalog=Catalog(home / "kb.sqlite3"), embedder=HashingEmbedder(128),
                   store=ChromaVectorStore.persistent(str(home / "chroma")), lexical=Bm25Index(),
                   parser=FacadeParser(), config=RetrievalSettings(), lexicon=load_lexicon(),
                   lexical_snapshot=home / "lexical.snapshot")
report = kb.ingest([folder], progress=lambda name, n, total, stage: print(stage, n, name, flush=True))
print("done", len(report.added), len(report.unchanged), len(report.failed), flush=True)
"""

STATE = """
import json, sys
from pathlib import Path
from drafting.settings import RetrievalSettings
from retrieval.documents import SearchFilters
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.vector_store import ChromaVectorStore
from retrieval.ingest.ingestion import FacadeParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import load_lexicon
home = Path(sys.argv[1])
store = ChromaVectorStore.persistent(str(home / "chroma"))
kb = KnowledgeBase(catalog=Catalog(home / "kb.sqlite3"), embedder=HashingEmbedder(128), store=store,
                   lexical=Bm25Index(), parser=FacadeParser(), config=RetrievalSettings(),
                   lexicon=load_lexicon(), lexical_snapshot=home / "lexical.snapshot")
docs = sorted(d.id for d in kb.catalog.list_documents())
passages = sorted(p.id for d in docs for p in kb.catalog.document_passages(d))
search = [[h.passage.id for h in kb.search(q, k=5)] for q in ("干部培训", "家庭医生签约", "下一步工作打算")]
print(json.dumps({"docs": docs, "passages": passages, "vectors": store.count(), "search": search}))
"""


def state(home: Path) -> dict:
    import json
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", STATE, str(home)], capture_output=True, text=True, cwd=REPO, check=True
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_kill_9_mid_ingest_then_the_same_ingest_equals_a_clean_one(tmp_path: Path) -> None:
    import subprocess

    killed, clean = tmp_path / "killed", tmp_path / "clean"
    # Killed just after the third document is stored, while the fourth is being parsed and written.
    lines = run_and_kill(python(INGEST, killed, CORPUS), when=lambda line: line.startswith("added 3 "))
    assert not any(line.startswith("done") for line in lines)
    with sqlite3.connect(killed / "kb.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert 3 <= db.execute("SELECT count(*) FROM documents").fetchone()[0] < 14

    resumed = subprocess.run(
        python(INGEST, killed, CORPUS), capture_output=True, text=True, cwd=REPO, check=True
    )
    assert resumed.stdout.strip().splitlines()[-1].split()[3] == "0"  # nothing failed
    subprocess.run(python(INGEST, clean, CORPUS), capture_output=True, text=True, cwd=REPO, check=True)

    after, expected = state(killed), state(clean)
    assert after["docs"] == expected["docs"] and len(after["docs"]) == len(list(CORPUS.iterdir()))
    assert after["passages"] == expected["passages"]
    # Vectors per passage vary (a passage and its sentences), so the clean ingest is the measure.
    assert after["vectors"] == expected["vectors"] >= len(expected["passages"])  # nothing twice
    assert after["search"] == expected["search"]
