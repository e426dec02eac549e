"""Every sample facts file drafted through the habits fake, to the Word file, with no habit left in.

The real openai client talks to the loopback fake over HTTP, streamed and not; `drafter draft`,
`drafter check` and `drafter export` run as a user runs them. A section the fake refused or left
empty fails and is generated again, as the writer would. The Word file is read back: its headings
(text and paragraph style) must be those of the same facts drafted through the plain stub, and
none of what the habits added may be left in it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import docx
import pytest

from drafting.cli.main import main
from drafting.facts.files import parse_facts_file
from drafting.outlines.outline import PART_LABELS
from drafting.settings import Settings
from drafting.writing.habits_llm import LEAKS, HabitsResponder, habit_names
from drafting.writing.pipeline import build_pipeline
from drafting.writing.stub_llm import StubLLM

REPO = Path(__file__).resolve().parents[3]
FACTS_FILES = sorted((REPO / "corpus" / "facts").glob("*.yaml"))
FACT_ID = re.compile(r"(?<![\w.])[A-Za-z_]+(?:\.\d+)+")
LIST_MARKER = re.compile(r"^(?:\d+[.、．)]|[（(]\d+[)）]|[-*+•·])\s*")
MARKDOWN = ("#", "**", "```", "](", "---", "|", "~~")
PLACEHOLDER = re.compile(r"【待补充：[^】]+】")
EXPECTED_REASONS = {
    "reasoning",
    "preamble",
    "closing",
    "markdown",
    "echoed_heading",
    "list_item",
    "fact_id",
    "placeholder",
    "fullwidth_digits",
    "prompt_echo",
    "repeated_sentence",
}


def paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def is_heading(style: str) -> bool:
    return style.startswith("Heading") or style == "Title"


def draft_all(capsys, monkeypatch, tmp_path: Path, responder, streaming: bool, tag: str) -> list[dict]:
    """Each facts file through `drafter draft`, failed sections regenerated, then exported."""
    results = []
    with StubLLM(responder=responder, model="habits") as stub:
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        monkeypatch.setenv("DRAFTER_LLM__MODEL", "habits")
        monkeypatch.setenv("DRAFTER_LLM__MAX_RETRIES", "0")
        # One section at a time: the fake hands out its turns in order of arrival, so the same
        # section meets the same habit on every run.
        monkeypatch.setenv("DRAFTER_LLM__CONCURRENCY", "1")
        monkeypatch.setenv("DRAFTER_LLM__STREAM", "true" if streaming else "false")
        for facts in FACTS_FILES:
            code = main(
                [
                    "draft",
                    "--facts",
                    str(facts),
                    "--json",
                    "--no-retrieval",
                    "--out",
                    str(tmp_path / "x.docx"),
                ]
            )
            out, err = capsys.readouterr()
            assert code in (0, 3), err
            summary = json.loads(out)
            draft_id, errors = summary["id"], []
            pipeline = build_pipeline(Settings())
            for _ in range(3):  # a retry may meet the next failing turn; three always get past it
                draft = pipeline.store.get_version(draft_id).draft
                failed = [s for s in draft.sections if s.status == "failed"]
                if not failed:
                    break
                errors += [s.error for s in failed]
                for section in failed:
                    try:
                        pipeline.regenerate_section(draft_id, section.key)
                    except Exception as exc:  # noqa: BLE001 - the same failure, retried next round
                        errors.append(str(exc))
            assert not failed, [s.error for s in failed]
            word = tmp_path / f"{tag}-{facts.stem}.docx"
            assert main(["export", draft_id, "--out", str(word)]) == 0
            assert main(["check", draft_id, "--no-kb"]) in (0, 1)
            check_out = capsys.readouterr().out
            results.append(
                {"facts": facts, "draft": draft, "word": word, "errors": errors, "check": check_out}
            )
    return results


@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "whole"])
def test_every_sample_draft_reaches_word_without_any_habit(capsys, monkeypatch, tmp_path, streaming):
    plain = draft_all(capsys, monkeypatch, tmp_path, None, streaming, "plain")
    habits = HabitsResponder()
    dressed = draft_all(capsys, monkeypatch, tmp_path, habits, streaming, "habits")

    # The fake served every habit, alone and combined, across the four files.
    served = {name for _, names in habits.served for name in names}
    assert served == habit_names() | {"continuation"}

    reasons: Counter[str] = Counter()
    for base, result in zip(plain, dressed, strict=True):
        name = result["facts"].name
        got, want = paragraphs(result["word"]), paragraphs(base["word"])
        text = "\n".join(t for _, t in got)
        # Headings: exactly the outline's, in its styles; no echoed heading, no list item as heading.
        assert [p for p in got if is_heading(p[0])] == [p for p in want if is_heading(p[0])], name
        body = [t for style, t in got if not is_heading(style)]
        plain_body = "\n".join(t for style, t in want if not is_heading(style))
        for leak in LEAKS:
            assert leak not in text, (name, leak)
        assert not re.search(r"[０-９]", text), name
        assert not FACT_ID.search(text), (name, FACT_ID.search(text))
        for mark in MARKDOWN:
            assert mark not in text, (name, mark)
        assert not [t for t in body if LIST_MARKER.match(t)], name
        assert text.count("【") == len(PLACEHOLDER.findall(text)), name  # only 【待补充：…】
        assert f"【待补充：{result['draft'].title}" not in text, name  # the title as a gap
        assert text.count("待补充") == len(PLACEHOLDER.findall(text)), name
        sheet = parse_facts_file(result["facts"])
        echoes = {*PART_LABELS.values(), *(g.area for groups in sheet.parts.values() for g in groups)}
        echoes |= {
            re.sub(r"^[（(][一二三四五六七八九十]+[）)]", "", s.heading) for s in result["draft"].sections
        }
        echoes -= {"", None}
        for echo in echoes:
            assert "\n".join(body).count(echo) <= plain_body.count(echo), (name, echo)
        # No sentence is said more often than in the plain stub's draft (the fake's loops are gone).
        for sentence in set(re.findall(r"[^。；\n]{12,}[。；]", plain_body)):
            assert "\n".join(body).count(sentence[:-1]) <= plain_body.count(sentence[:-1]), (name, sentence)
        # Every fact the plain stub wrote is in the habits draft too.
        for sentence in re.findall(r"[^。；\n]+", plain_body):
            core = sentence.removeprefix("一是").removeprefix("二是").removeprefix("三是")
            if "待补充" not in core and re.search(r"\d", core):
                assert core in text, (name, core)
        # What normalisation removed is on the sections, and `drafter check` shows it.
        final = build_pipeline(Settings()).store.get_version(result["draft"].id).draft
        reasons.update(r.reason for s in final.sections for r in s.removals)
        assert sum(len(s.removals) for s in final.sections) > 0, name
        assert "整理模型回答" in result["check"], name
        for error in result["errors"]:
            assert "拒绝" in error or "没有可用的正文" in error or "空文本" in error, error
    assert set(reasons) >= EXPECTED_REASONS, set(reasons)
    errors = [e for r in dressed for e in r["errors"]]
    assert any("拒绝" in e for e in errors) and any("空" in e or "没有可用的正文" in e for e in errors)
    finishes = [
        s.record.get("finish")
        for r in dressed
        for s in build_pipeline(Settings()).store.get_version(r["draft"].id).draft.sections
    ]
    assert {"truncated": True, "continued": True, "complete": True} in finishes
