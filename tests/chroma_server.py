"""A real `chroma run` on loopback for the tests: the one in scripts/local_servers.py, which the
load and scale scripts use too (ChromaServer can stop and restart on the same port and data)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from local_servers import ChromaServer, ServerUnavailable, chroma_server  # noqa: E402

__all__ = ["ChromaServer", "ServerUnavailable", "chroma_server"]
