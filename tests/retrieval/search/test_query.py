"""Query understanding: synonym groups, single characters and part cues (retrieval/query.py), and
what they change in a knowledge-base search."""

from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_fixtures import make_kb

from drafting.service.components import build_knowledge_base
from drafting.settings import Settings
from retrieval.documents import SearchFilters
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.tokens import char_tokens
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import Lexicon, LexiconError, QueryAids, analyse, load_lexicon

PACKAGED = load_lexicon()


def test_packaged_lexicon_loads_groups_and_cues_for_the_parts() -> None:
    assert len(PACKAGED.synonym_groups) > 50
    assert {"plans", "problems"} <= set(PACKAGED.part_cues)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("临河乡镇卫生院缺编多少人", "编制空缺"),
        ("江能头三个月发电量", "一季度"),
        ("卫健局上半年家庭医生签约", "卫生健康"),
    ],
)
def test_a_colloquial_word_brings_in_its_official_synonyms(query: str, expected: str) -> None:
    assert expected in PACKAGED.related_words(query)


def test_single_character_words_do_not_trigger_a_group() -> None:
    lexicon = Lexicon(synonym_groups=(("村", "村子", "行政村"),))
    assert lexicon.related_words("村里有多少党员") == []
    assert lexicon.related_words("村子里有多少党员") == ["行政村"]  # "村" is in the query already


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        ("明年打算新建几个养老服务站", {"plans"}),
        ("基层卫生人才方面还有哪些短板", {"problems"}),
        ("下半年准备怎么推进电梯改造", {"plans"}),
        ("为秋冬流感接种准备了多少剂疫苗", set()),  # 准备了: already done, not a plan
        ("全年培训干部多少人次", set()),
    ],
)
def test_part_cues_read_the_intent_of_the_wording(query: str, parts: set[str]) -> None:
    assert PACKAGED.cued_parts(query) == parts


def test_analyse_weights_words_characters_and_synonyms() -> None:
    lexicon = Lexicon(synonym_groups=(("缺编", "编制空缺"),))
    weights = analyse("卫生院缺编", lexicon, char_weight=0.3, synonym_weight=0.5).weights
    assert weights["卫生院"] == 1.0
    assert weights["@缺"] == pytest.approx(0.3)
    assert weights["空缺"] == pytest.approx(0.5)  # a word of the synonym "编制空缺"
    assert weights["@制"] == pytest.approx(0.15)  # its characters weigh synonym × character


def test_weights_of_zero_switch_the_aids_off() -> None:
    weights = analyse("卫生院缺编", PACKAGED, char_weight=0, synonym_weight=0).weights
    assert not any(t.startswith("@") for t in weights)
    assert "空缺" not in weights


def test_char_tokens_skip_stopwords_and_non_chinese() -> None:
    assert char_tokens("我们的QQ群12个") == ["@群"]


def test_a_missing_lexicon_folder_gives_an_empty_lexicon(tmp_path: Path) -> None:
    lexicon = load_lexicon(tmp_path)
    assert lexicon.synonym_groups == () and lexicon.cued_parts("明年打算") == frozenset()


def test_own_lexicon_files_are_read_with_comments_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "synonyms.txt").write_text("# 说明\n甲乙 丙丁 甲乙  # 行尾说明\n单独\n", encoding="utf-8")
    (tmp_path / "part_cues.yaml").write_text("plans: [来年]\n", encoding="utf-8")
    lexicon = load_lexicon(tmp_path)
    assert lexicon.synonym_groups == (("甲乙", "丙丁"),)
    assert lexicon.cued_parts("来年怎么做") == {"plans"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plans: [来年\n", "格式有误"),
        ("- 来年\n", "应是"),
        ("future: [来年]\n", "不是材料的部分"),
        ("plans: 来年\n", "词语列表"),
    ],
)
def test_a_malformed_part_cue_file_is_named_in_the_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "part_cues.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as error:
        load_lexicon(tmp_path)
    assert "part_cues.yaml" in str(error.value)


def test_a_lexicon_file_in_another_encoding_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "synonyms.txt").write_bytes("缺编 编制空缺\n".encode("gb18030"))
    with pytest.raises(LexiconError, match="synonyms.txt.*UTF-8"):
        load_lexicon(tmp_path)


# ---------------------------------------------------------------- in a knowledge-base search


def _kb(tmp_path: Path, lexicon: Lexicon, **config: float) -> KnowledgeBase:
    return make_kb(tmp_path, embedder=HashingEmbedder(64), lexicon=lexicon, dense_weight=0, **config)


@pytest.fixture
def health_report(tmp_path: Path) -> Path:
    path = tmp_path / "reports" / "lh.txt"
    path.parent.mkdir()
    path.write_text(
        "临河县卫生健康局2025年上半年工作总结\n"
        "# work\n全县乡镇卫生院完成标准化改造5个，新建村卫生室9个。\n"
        "# problems\n全县乡镇卫生院编制空缺67个，人才引进难。\n"
        "# plans\n推进乡镇卫生院标准化改造，新建村卫生室6个，同步完善设备配置和人员培训。\n",
        encoding="utf-8",
    )
    return path


def test_a_synonym_finds_a_passage_that_shares_no_word_with_the_query(
    tmp_path: Path, health_report: Path
) -> None:
    query = "缺编"
    without = _kb(tmp_path / "a", Lexicon(), char_weight=0)
    without.ingest([health_report])
    assert without.search(query, k=3, mode="lexical") == []

    with_synonyms = _kb(tmp_path / "b", Lexicon(synonym_groups=(("缺编", "编制空缺"),)), char_weight=0)
    with_synonyms.ingest([health_report])
    hits = with_synonyms.search(query, k=3, mode="lexical")
    assert hits and hits[0].passage.part == "problems"


def test_the_part_the_query_asks_for_wins_a_near_tie(tmp_path: Path, health_report: Path) -> None:
    cues = Lexicon(part_cues={"plans": ("打算",)})
    query = "全县乡镇卫生院标准化改造村卫生室打算"
    boosted = _kb(tmp_path / "a", cues, part_cue_boost=0.5)
    boosted.ingest([health_report])
    assert boosted.search(query, k=1, mode="lexical")[0].passage.part == "plans"

    plain = _kb(tmp_path / "b", cues, part_cue_boost=0)
    plain.ingest([health_report])
    work, plans = plain.search(query, k=2, mode="lexical")
    assert (work.passage.part, plans.passage.part) == ("work", "plans")
    assert plans.score * 1.5 > work.score  # a near tie, which the cue decides

    # With a part filter the cue has nothing to choose between.
    filtered = boosted.search(query, SearchFilters(part="work"), k=1, mode="lexical")
    assert filtered[0].passage.part == "work"


def test_settings_point_the_knowledge_base_at_an_own_lexicon(tmp_path: Path) -> None:
    folder = tmp_path / "lexicon"
    folder.mkdir()
    (folder / "synonyms.txt").write_text("缺人 编制空缺\n", encoding="utf-8")
    own = build_knowledge_base(Settings(home=tmp_path / "a", retrieval={"lexicon_dir": folder}))  # type: ignore[arg-type]
    assert own.lexicon.related_words("缺人") == ["编制空缺"]
    packaged = build_knowledge_base(Settings(home=tmp_path / "b"))
    assert packaged.lexicon == PACKAGED


def test_a_malformed_own_lexicon_falls_back_to_the_packaged_one_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "lexicon"
    folder.mkdir()
    (folder / "part_cues.yaml").write_text("future: [来年]\n", encoding="utf-8")
    kb = build_knowledge_base(Settings(home=tmp_path / "home", retrieval={"lexicon_dir": folder}))  # type: ignore[arg-type]
    assert kb.lexicon == PACKAGED
    assert "part_cues.yaml" in caplog.text and "内置词表" in caplog.text


def test_the_knowledge_base_says_which_aids_a_query_gets(tmp_path: Path) -> None:
    lexicon = Lexicon(
        synonym_groups=(("缺编", "编制空缺"),), part_cues={"problems": ("短板",), "plans": ("明年",)}
    )
    kb = _kb(tmp_path, lexicon)
    aids = kb.aids("明年卫生院缺编的短板")
    assert aids.related_words == ("编制空缺",)
    assert aids.preferred_parts == ("problems", "plans")  # in outline order
    assert kb.aids("明年卫生院缺编的短板", SearchFilters(part="plans")).preferred_parts == ()
    off = _kb(tmp_path / "off", lexicon, synonym_weight=0, part_cue_boost=0)
    assert off.aids("明年卫生院缺编的短板") == QueryAids()
