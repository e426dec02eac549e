"""Exemplars reach the model as style only: details masked, trimmed to the register."""

from __future__ import annotations

from drafting.writing.exemplar_style import MASK, MAX_CHARS, mask_details, style_excerpt

PAST = (
    "今年以来，青川区委组织部坚持以习近平新时代中国特色社会主义思想为指导，全面推进组织工作高质量发展。"
    "举办各类培训班12期，培训干部1800人次，投入资金35.6万元。"
    "推动“先锋引领”工程落地见效，印发《青川区基层党建三年行动方案》。"
    "下半年，我们将进一步聚焦基层党建，着力提升组织力。"
)


def test_numbers_names_and_quoted_titles_are_masked():
    masked = mask_details(PAST)
    for detail in (
        "12期",
        "1800人次",
        "35.6万元",
        "青川区委组织部",
        "先锋引领",
        "青川区基层党建三年行动方案",
    ):
        assert detail not in masked
    assert "培训班××，培训干部××，投入资金××。" in masked
    assert "“××”" in masked and "《××》" in masked
    assert "坚持以习近平新时代中国特色社会主义思想为指导" in masked  # the register stays


def test_a_list_of_masked_items_becomes_one_mask():
    assert mask_details("培训3期、5期、7期。") == f"培训{MASK}。"


def test_excerpt_keeps_register_sentences_in_order_and_is_short():
    excerpt = style_excerpt(PAST)
    assert len(excerpt) <= MAX_CHARS
    assert excerpt.startswith("今年以来") and excerpt.endswith("着力提升组织力。")
    assert "培训班" not in excerpt  # the sentence that was mostly figures is left out


def test_an_empty_or_figure_only_passage_shows_nothing():
    assert style_excerpt("") == ""
    assert style_excerpt("12。") == ""
