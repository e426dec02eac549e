"""`drafter` console script: argparse front for the subcommands in drafting/cli/.

Each command module exposes ``register(subparsers)``, adding parsers whose ``func(args, settings)``
returns an exit code. Settings are loaded here, once, and passed down.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from drafting.settings import Settings

COMMAND_MODULES = (
    "drafting.cli.knowledge",  # ingest, docs, search
    "drafting.cli.drafts",  # draft, check, export
    "drafting.cli.prompts",  # prompts list / preview / score
    "drafting.cli.admin",  # users
    "drafting.cli.serve",  # serve (web UI)
    "drafting.cli.local_model",  # local-model (packaged GGUF on loopback)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drafter", description="公文起草助手：检索往年材料、起草、核对、导出 Word。"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="更详细的日志")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a command module not written yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    settings = Settings()
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
