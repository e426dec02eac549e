"""Extraction of numbers, dates, quotations and named bodies (drafting/numbers.py, drafting/names.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drafting.mentions.names import extract_names, extract_quotes, is_generic, name_supported
from drafting.mentions.numbers import (
    DateParts,
    chinese_numeral_value,
    date_supported,
    extract_numbers,
    same_measure,
)


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


@pytest.mark.parametrize(
    "text",
    [
        "以品牌创建引领党支部建设提质增效",  # issue 10: an ordinary phrase, not a body
        "召开党委会议，实现本届党委任期目标，组织所属党支部开展活动",
        "全县3个社区党委、12所中小学、部分乡镇卫生院、个别党支部，每一所学校",
        "三个社区党委，五大中心，新建5个乡镇卫生院",
        "理论学习中心组开展集中学习，推动高效办成一件事，全程网办、接诉即办",
        "业委会和居委会，家委会",
        "我代表县委讲几点意见",
    ],
)
def test_ordinary_phrases_around_kinds_of_bodies_are_not_names(text: str) -> None:
    assert [n.text for n in extract_names(text)] == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("启动县疾控中心迁建，要加快推进县疾控中心建设", ["县疾控中心", "县疾控中心"]),
        ("新增茶叶专业合作社2家，建成街道综治中心", ["茶叶专业合作社", "街道综治中心"]),
        ("3个江城燃气有限公司项目", ["江城燃气有限公司"]),
        ("推进市发展和改革委员会牵头的工作，配合县住房和城乡建设局", ["改革委员会", "城乡建设局"]),
    ],
)
def test_a_verb_before_a_body_is_cut_off_and_the_body_kept(text: str, names: list[str]) -> None:
    assert [n.text for n in extract_names(text)] == names


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


@pytest.mark.parametrize(
    ("text", "unit", "counted", "head"),
    [
        ("推进3个处级事业单位分类改革", "个", "处级事业单位分类改革", ""),  # N个X: words after, end unknown
        ("建成3个示范点，", "个", "示范点", "范点"),  # N个X closing its clause: the head is known
        ("打造市级示范品牌3个", "个", "市级示范品牌", "品牌"),  # X N个: words before
        ("全区示范点达到３个。", "个", "全区示范点", "范点"),  # linking word skipped, full-width digit
        ("建成3个以上示范点", "个", "示范点", "范点"),
        ("投入1.2亿元", "元", "投入", "投入"),  # 亿 is in the value, the unit is 元
        ("12000万元", "元", "", ""),
        ("培训干部180名", "人", "培训干部", "干部"),  # 名 = 人
        ("参学率百分之九十", "%", "参学率", "学率"),
        ("增长11.2个百分点", "百分点", "增长", "增长"),
        ("开展活动12场次", "场", "开展活动", "活动"),
        ("编号2026", "", "编号", "编号"),
    ],
)
def test_numbers_carry_their_unit_and_what_they_count(text: str, unit: str, counted: str, head: str) -> None:
    (mention,) = [m for m in extract_numbers(text) if m.kind != "date"]
    assert (mention.unit, mention.counted, mention.head) == (unit, counted, head)


@pytest.mark.parametrize(
    ("draft", "fact", "same"),
    [
        ("打造市级示范品牌3个", "推进3个处级事业单位分类改革", False),  # issue 10's example
        ("打造三个市级示范品牌。", "建成3个示范点，", False),  # 品牌 is not 示范点
        ("上半年建成示范点3个", "建成3个示范点，", True),  # X N个 and N个X, one noun
        ("事业单位改革完成3个", "推进3个处级事业单位分类改革", True),
        ("新建3家医院", "新建3个医院", False),  # another unit
        ("举办培训班3期", "出版简报3期", True),  # 期 is a measure of its own: unit suffices
        ("培训180人", "培训干部180名", True),
        ("投入1.2亿元", "投入12000万元", True),
        ("，3个。", "推进3个处级事业单位分类改革", True),  # no words beside it: cannot disagree
        ("建成3个党群服务站", "建成3个示范点并投入使用", False),  # no head either side: no shared pair
        ("建成3个示范点并投入使用", "新建3个示范点", True),
    ],
)
def test_same_measure(draft: str, fact: str, same: bool) -> None:
    (a,), (b,) = extract_numbers(draft), extract_numbers(fact)
    assert same_measure(a, b) is same and same_measure(b, a) is same
