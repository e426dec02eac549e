"""The layout profile and the title-splitting rule."""

from __future__ import annotations

import pytest

from drafting.word.layout import LayoutError, LayoutProfile, split_title, text_width_chars


def test_defaults_are_the_standards_values():
    p = LayoutProfile()
    assert (p.margin_top_mm, p.margin_bottom_mm, p.margin_left_mm, p.margin_right_mm) == (37, 35, 28, 26)
    assert (p.title_size_pt, p.body_size_pt, p.page_number_size_pt) == (22, 16, 14)
    assert p.line_pitch_pt == 28.95
    assert p.text_width_pt == pytest.approx(442.2, abs=0.1)  # 156 mm
    assert (
        p.heading_font(1) == "黑体"
        and p.heading_font(2) == "楷体_GB2312"
        and p.heading_font(9) == "仿宋_GB2312"
    )


def test_from_toml_overrides_only_the_given_values(tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(
        '[layout]\nbody_font = "仿宋"\nmargin_top_mm = 35\nheading_bold = true\n'
        'heading_fonts = ["方正黑体_GBK", "方正楷体_GBK", "仿宋", "仿宋"]\n',
        encoding="utf-8",
    )
    p = LayoutProfile.from_toml(path)
    assert p.body_font == "仿宋" and p.margin_top_mm == 35 and p.heading_bold is True
    assert p.heading_fonts == ("方正黑体_GBK", "方正楷体_GBK", "仿宋", "仿宋")
    assert p.margin_left_mm == 28  # untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("body_fnt = 1\n", "未知设置：body_fnt"),
        ('margin_top_mm = "37"\n', "取值类型不对"),
        ("heading_bold = 1\n", "取值类型不对"),
        ("margin_top_mm = 200\nmargin_bottom_mm = 200\n", "上下页边距之和超过纸张高度"),
        ('heading_fonts = ["黑体"]\n', "heading_fonts"),
        ('page_number_position = "left"\n', "page_number_position"),
        ("margin_top_mm = \n", "不是有效的 TOML"),
    ],
)
def test_from_toml_reports_bad_values_in_chinese(tmp_path, text, message):
    path = tmp_path / "layout.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError, match=message):
        LayoutProfile.from_toml(path)


def test_from_toml_reports_a_missing_or_binary_file(tmp_path):
    with pytest.raises(LayoutError, match="找不到版式文件"):
        LayoutProfile.from_toml(tmp_path / "absent.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage")
    with pytest.raises(LayoutError):
        LayoutProfile.from_toml(binary)


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于安全生产工作的情况汇报", ["关于安全生产工作的情况汇报"]),
        # Digits are half-width: this 18-character title is 16 wide and stays on one line.
        ("临河县卫生健康局2025年上半年工作总结", ["临河县卫生健康局2025年上半年工作总结"]),
        (
            "青川区委组织部2025年上半年工作总结和下半年工作计划",
            ["青川区委组织部2025年上半年", "工作总结和下半年工作计划"],
        ),
        ("青川区第二实验小学二〇二五年上半年工作总结", ["青川区第二实验小学二〇二五年", "上半年工作总结"]),
        (
            "江城能源集团党委关于进一步加强基层党组织建设推进高质量发展的情况报告",
            ["江城能源集团党委关于", "进一步加强基层党组织建设推进高质量发展的", "情况报告"],
        ),
        ("", []),
    ],
)
def test_split_title_breaks_long_titles_at_word_boundaries(title, lines):
    assert split_title(title) == lines


def test_split_title_never_loses_characters_and_keeps_lines_within_the_limit_when_it_can():
    title = "东湖街道党工委关于2025年第一季度基层治理和民生服务工作的情况汇报"
    lines = split_title(title)
    assert "".join(lines) == title
    assert len(lines) == 2 and all(text_width_chars(line) <= 20 for line in lines)


def test_split_title_without_any_boundary_cuts_in_the_middle():
    assert split_title("甲" * 25) == ["甲" * 12, "甲" * 13]
