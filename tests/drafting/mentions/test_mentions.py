"""Extraction of numbers, dates, quotations and named bodies (drafting/numbers.py, drafting/names.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drafting.mentions.names import extract_names, extract_quotes, is_generic, name_supported
from drafting.mentions.numbers import DateParts, chinese_numeral_value, date_supported, extract_numbers


def _numbers(text: str) -> list[tuple[str, str, object]]:
    return [(m.text, m.kind, m.date if m.kind == "date" else m.value) for m in extract_numbers(text)]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("一百八十", 180),
        ("两千零五", 2005),
        ("一万二千", 12000),
        ("三十万", 300000),
        ("一亿二千万", 120000000),
        ("三点五", Decimal("3.5")),
        ("二〇二六", 2026),
    ],
)
def test_chinese_numerals(numeral: str, value) -> None:
    assert chinese_numeral_value(numeral) == Decimal(value)


def test_chinese_numeral_rejects_non_numerals() -> None:
    assert chinese_numeral_value("一二") is None
    assert chinese_numeral_value("万") is None
    assert chinese_numeral_value("三点") == Decimal(3)


def test_counts_amounts_and_percentages_are_normalised() -> None:
    text = "举办三期，培训一百八十人次；投入1.2亿元即12000万元、1,850万元；参学率百分之九十，达98.7%，增长11.2个百分点，1.2万余场次。"
    assert _numbers(text) == [
        ("三期", "count", 3),
        ("一百八十人次", "count", 180),
        ("1.2亿元", "count", 120000000),
        ("12000万元", "count", 120000000),
        ("1,850万元", "count", 18500000),
        ("百分之九十", "percent", 90),
        ("98.7%", "percent", Decimal("98.7")),
        ("11.2个百分点", "count", Decimal("11.2")),
        ("1.2万余场次", "count", 12000),
    ]


def test_dates() -> None:
    text = "2026年3月15日、2026年6月底、3月16日、4月、1-6月、二〇二五年、三月十五日、2026-07-05、2021年以来"
    assert [m.date for m in extract_numbers(text)] == [
        (2026, 3, 15),
        (2026, 6, None),
        (None, 3, 16),
        (None, 4, None),
        (None, 1, None),
        (None, 6, None),
        (2025, None, None),
        (None, 3, 15),
        (2026, 7, 5),
        (2021, None, None),
    ]
    assert _numbers("3个月、13月") == [("3个月", "count", 3), ("13", "count", 13)]


@pytest.mark.parametrize(
    "text",
    [
        "进一步做好一批工作，统一思想",
        "编制“十四五”规划，学习贯彻党的二十届三中全会精神",
        "增强“四个意识”、坚定“四个自信”、做到“两个维护”",
        "落实中央八项规定精神，选派第一书记",
        "一、（一）一是二是第一，第二，",
        "1.突出政治引领。2、抓实整改；（3）完善制度",
        "千家万户，万众一心，百姓",
    ],
)
def test_numbering_slogans_and_vague_words_are_not_numbers(text: str) -> None:
    assert extract_numbers(text) == []


def test_ordinals_with_measure_words_are_numbers() -> None:
    assert _numbers("第六期培训班，第二季度") == [("第六期", "count", 6), ("第二季度", "count", 2)]


def test_date_support_fills_missing_years_from_the_sheet() -> None:
    known: set[DateParts] = {(2026, 3, 15), (None, 6, 30)}
    assert date_supported((None, 3, None), known)
    assert date_supported((2026, 3, 15), known)
    assert not date_supported((2026, 3, 16), known)
    assert date_supported((2026, 6, 30), known, {2026})
    assert not date_supported((2025, 6, 30), known, {2026})


def test_quotes() -> None:
    text = '学习《干部教育培训工作条例》，开展“红色物业”试点和"双报到"活动。'
    assert [(q.text, q.inner) for q in extract_quotes(text)] == [
        ("《干部教育培训工作条例》", "干部教育培训工作条例"),
        ("“红色物业”", "红色物业"),
        ('"双报到"', "双报到"),
    ]
    assert extract_quotes("未闭合的“引号") == []


def test_names_are_cut_at_verbs_and_joined_across_parts() -> None:
    text = "在市委组织部和区委的坚强领导下，配合区民政局、区纪委监委，青川区委组织部牵头成立区养老服务中心。"
    assert [n.text for n in extract_names(text)] == [
        "市委组织部",
        "区民政局",
        "区纪委监委",
        "青川区委组织部",
        "区养老服务中心",
    ]
    first = extract_names(text)[0]
    assert text[first.start : first.end] == "市委组织部"


@pytest.mark.parametrize(
    "text",
    [
        "培养年轻干部，全部完成，安排部署，开创新局面，服务大局",
        "举办培训班，承办会议，交办事项，一网通办",
        "村“两委”换届，区委常委",
        "坚持以人民为中心，紧扣中心工作，上级党委，有关部门，区直部门，各村党支部，基层党组织",
    ],
)
def test_words_that_merely_end_like_names_are_not_names(text: str) -> None:
    assert extract_names(text) == []


def test_generic_and_supported_names() -> None:
    assert is_generic("上级党委") and is_generic("区委") and not is_generic("市财政局")
    known = "云溪区委组织部｜依托网络学院开展培训｜市卫生健康委员会｜区委组织部牵头"
    names = {n.text for n in extract_names(known)}
    assert names == {"云溪区委组织部", "网络学院", "市卫生健康委员会", "区委组织部"}
    assert name_supported("区委组织部", known, names)
    assert name_supported("完善网络学院", known, names)  # a verb the extractor kept
    assert not name_supported("省卫生健康委员会", known, names)
    assert not name_supported("青川区委组织部", known, names)
    assert not name_supported("卫生健康委员会办公室", known, names)
