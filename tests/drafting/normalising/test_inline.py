"""Habits inside lines: full-width digits, fact ids, placeholders, inline Markdown."""

from __future__ import annotations

from drafting.normalising.inline import fact_ids, fullwidth_digits, inline_markdown, placeholders


def test_fullwidth_digits_become_ascii_and_each_change_is_recorded():
    text, removals = fullwidth_digits("举办培训班３期，培训１８０人次，增长１２．５%。")
    assert text == "举办培训班3期，培训180人次，增长12.5%。"
    assert [(r.text, r.replacement) for r in removals] == [
        ("３", "3"),
        ("１８０", "180"),
        ("１２．５", "12.5"),
    ]


def test_fact_ids_in_any_bracket_and_list_form_are_removed():
    text, removals = fact_ids(
        "举办培训班3期[work.0.0]，培训180人次【work.0.1】（事实：work.1.0、work.1.1）。"
    )
    assert text == "举办培训班3期，培训180人次。"
    assert [r.text for r in removals] == ["[work.0.0]", "【work.0.1】", "（事实：work.1.0、work.1.1）"]


def test_bare_fact_ids_are_removed_only_when_known():
    text, removals = fact_ids("work.0.1 举办培训班3期，版本v1.2不动。", known_ids=["work.0.1"])
    assert text == "举办培训班3期，版本v1.2不动。" and [r.text for r in removals] == ["work.0.1"]


def test_placeholder_variants_become_the_one_form():
    text, removals = placeholders(
        "培训[待补充：人数]人次，（待补充）场次，[待补充…]，【待补充：已是标准写法】。"
    )
    assert (
        text
        == "培训【待补充：人数】人次，【待补充：相关内容】场次，【待补充：相关内容】，【待补充：已是标准写法】。"
    )
    assert len(removals) == 3  # the standard form is not a change


def test_bare_xx_becomes_a_placeholder_unless_the_facts_use_it():
    text, removals = placeholders("举办培训班XX期，××单位参加，20XX年X月完成。")
    assert text == (
        "举办培训班【待补充：具体数字】期，【待补充：具体内容】单位参加，【待补充：具体数字】年【待补充：具体数字】月完成。"
    )
    assert [r.text for r in removals] == ["XX", "××", "20XX", "X"]
    kept, none = placeholders("XX项目进展顺利。", given_text="推进XX项目建设")
    assert kept == "XX项目进展顺利。" and none == []
    assert placeholders("引进XXL型设备，Excel表格。") == ("引进XXL型设备，Excel表格。", [])


def test_inline_markdown_of_every_kind_is_undone():
    text, removals = inline_markdown(
        "**加强学习**，*深化*研讨，***重点***，__落实__，~~删去~~，`代码`，"
        "[政策文件](https://example.org/a)，![图](x.png)，<br>换行<strong>强调</strong>。"
    )
    assert text == "加强学习，深化研讨，重点，落实，删去，代码，政策文件，图，换行强调。"
    assert {r.reason for r in removals} == {"markdown"} and len(removals) == 11


def test_a_multiplication_or_single_star_in_prose_is_left_alone():
    assert inline_markdown("面积3*4米，下划线_in_word 不动。") == ("面积3*4米，下划线_in_word 不动。", [])


def test_list_numbers_run_into_a_paragraph_are_dropped_but_decimals_and_counts_stay():
    # As the local model wrote a problems section: the first number went with the line start.
    text, removals = inline_markdown(
        "部分重点企业用工缺口仍然较大。2. 灵活就业人员参保意愿不强，参保率为43.5%。"
    )
    assert text == "部分重点企业用工缺口仍然较大。灵活就业人员参保意愿不强，参保率为43.5%。"
    assert [(r.reason, r.text) for r in removals] == [("list_item", "2. ")]
    assert inline_markdown("一是…。2、二是…；（3）三是…")[0] == "一是…。二是…；三是…"
    for kept in ("增长12.5%。2.5万元用于培训。", "完成3项。2026年将继续推进。", "举办2期，培训180人次。"):
        assert inline_markdown(kept) == (kept, [])
