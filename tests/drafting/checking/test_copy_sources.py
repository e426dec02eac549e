from __future__ import annotations

from pathlib import Path

from drafting.checking.copy_sources import likely_sources
from drafting.checking.grounding import check_draft
from drafting.facts.files import parse_facts_file
from drafting.model import Paragraph
from drafting.outlines.outline import get_outline
from drafting.writing.composer import compose_draft
from retrieval.documents import Passage, SearchHit

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
PAST = "全年共举办各类主体班次46期，培训干部5,380人次，较上年增长11.2%。"
STOCK = "在上级党委的坚强领导下，坚持以习近平新时代中国特色社会主义思想为指导，紧紧围绕中心工作，真抓实干。"


def _passage(pid: str, text: str) -> Passage:
    return Passage(
        pid,
        pid.split(":")[0],
        text,
        "past.txt",
        "往年总结",
        None,
        None,
        None,
        "other",
        "work",
        "",
        0,
        len(text),
    )


class FakeKnowledgeBase:
    """Answers lexical searches from a fixed list; records the queries it was sent."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.queries: list[tuple[str, str]] = []

    def search(self, query: str, filters: object = None, k: int = 5, mode: str = "hybrid") -> list[SearchHit]:
        self.queries.append((query, mode))
        shared = [p for p in self.passages if set(p.text) & set(query)]
        return [SearchHit(p, 1.0) for p in shared[:k]]


def test_copied_run_from_the_knowledge_base_is_flagged_with_its_source() -> None:
    sheet = parse_facts_file(FACTS)
    outline = get_outline(REPO / "prompts" / "outlines", sheet.kind)
    draft = compose_draft(outline, sheet)
    work = next(s for s in draft.sections if s.key == "work:0")
    work.paragraphs.append(Paragraph(text="同时，" + PAST))
    kb = FakeKnowledgeBase([_passage("doc1:4", "据统计，" + PAST), _passage("doc2:1", STOCK)])

    references = likely_sources(draft, kb)
    assert {p.id for p in references} == {"doc1:4", "doc2:1"}
    assert kb.queries and {mode for _, mode in kb.queries} == {"lexical"}  # no embedding model needed

    flags = check_draft(draft, sheet, references, outline=outline).of_kind("verbatim_copy")
    # the past report's sentence is caught; the outline's own stock formula is not a copy
    assert [(f.section, f.detail) for f in flags] == [("work:0", "doc1:4")]
    assert PAST.rstrip("。") in flags[0].text


def test_short_and_heading_paragraphs_are_not_looked_up() -> None:
    sheet = parse_facts_file(FACTS)
    draft = compose_draft(get_outline(REPO / "prompts" / "outlines", sheet.kind), sheet)
    for section in draft.sections:
        section.paragraphs = [Paragraph(text="短句。")]
    kb = FakeKnowledgeBase([_passage("doc1:1", PAST)])
    assert likely_sources(draft, kb) == [] and kb.queries == []
