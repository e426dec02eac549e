"""Facts in, drafts out: the facts table and text, editing with its checks, versions, export."""

from __future__ import annotations

import docx
import pytest
from service_fixtures import make_service, write_draft

from drafting.facts.table import rows_to_mapping, sheet_rows
from drafting.service.facade import ServiceError

# ---------------------------------------------------------------- facts


def test_facts_table_round_trip(service, sheet) -> None:
    rows = sheet_rows(sheet)
    assert rows[0][0] in ("开头", "工作")
    again = service.drafts.facts_from_rows(
        rows, kind=sheet.kind, org=sheet.org, period=sheet.period, next_period=sheet.next_period
    )
    assert [f.text for f in again.all_facts()] == [f.text for f in sheet.all_facts()]


def test_facts_table_errors_name_the_row(service) -> None:
    rows = [["工作", "培训", "举办培训班3期"], ["", "", ""], ["成果", "", "x"], ["问题", "", ""]]
    with pytest.raises(ServiceError) as exc:
        service.drafts.facts_from_rows(
            rows, kind="half-year", org="某局", period="2026年上半年", next_period=None
        )
    assert "第 3 行“部分”列" in str(exc.value) and "第 4 行“事实”列" in str(exc.value)
    with pytest.raises(ServiceError, match="为空"):
        service.drafts.facts_from_rows(
            [["", "", ""]], kind="half-year", org="某局", period="2026年上半年", next_period=None
        )


def test_facts_errors_name_the_field(service) -> None:
    with pytest.raises(ServiceError, match="org|单位"):
        service.drafts.facts_from_rows(
            [["工作", "", "举办培训班3期"]], kind="half-year", org="", period="2026年上半年", next_period=None
        )
    with pytest.raises(ServiceError, match="为空"):
        service.drafts.parse_facts_text(
            "   ", kind="half-year", org="某局", period="2026年上半年", next_period=None
        )
    parsed = service.drafts.parse_facts_text(
        "【工作】\n干部培训：举办培训班3期\n【问题】\n书记年龄偏大",
        kind="half-year",
        org="某局",
        period="2026年上半年",
        next_period=None,
    )
    assert [r[:2] for r in sheet_rows(parsed)] == [["工作", "干部培训"], ["问题", ""]]


def test_rows_to_mapping_groups_areas() -> None:
    mapping = rows_to_mapping(
        [["工作", "培训", "一"], ["工作", "培训", "二"], ["计划", "", "三"]],
        kind="half-year",
        org="某局",
        period="2026年上半年",
        next_period="2026年下半年",
    )
    assert mapping["parts"] == {
        "work": [{"area": "培训", "facts": ["一", "二"]}],
        "plans": [{"facts": ["三"]}],
    }
    assert mapping["next_period"] == "2026年下半年"


def test_facts_table_carries_area_headings_answers_superior_and_plain_headings(service) -> None:
    rows = [
        ["工作", "粮食生产（小标题：稳住粮食生产基本盘）", "落实粮食播种面积48.6万亩"],
        ["工作", "粮食生产", "夏粮总产量12.4万吨"],  # the notes given once hold for the whole area
        ["问题", "", "户厕管护机制不健全"],
        ["计划", "农村改厕（回应：1）", "完善户厕管护机制"],
    ]
    sheet = service.drafts.facts_from_rows(
        rows,
        kind="half-year",
        org="临河县农业农村局",
        period="2026年上半年",
        next_period=None,
        superior="县委、县政府",
        plain_headings=True,
    )
    (work,), (plan,) = sheet.parts["work"], sheet.parts["plans"]
    assert (work.area, work.heading, len(work.facts)) == ("粮食生产", "稳住粮食生产基本盘", 2)
    assert (plan.area, plan.answers) == ("农村改厕", ("1",))
    assert (sheet.superior, sheet.headings) == ("县委、县政府", "plain")
    table = sheet_rows(sheet)
    assert table[0][1] == table[1][1] == "粮食生产（小标题：稳住粮食生产基本盘）"
    assert table[3][1] == "农村改厕（回应：1）"
    again = service.drafts.facts_from_rows(
        table,
        kind="half-year",
        org="临河县农业农村局",
        period="2026年上半年",
        next_period=None,
        superior="县委、县政府",
        plain_headings=True,
    )
    assert again == sheet


def test_facts_table_answers_only_in_plans_and_to_known_problems(service) -> None:
    def rows_with(area: str, part: str = "计划") -> list[list[str]]:
        return [["工作", "", "举办培训班3期"], ["问题", "", "书记年龄偏大"], [part, area, "推进换届"]]

    with pytest.raises(ServiceError, match="第 3 行“方面”列"):
        service.drafts.facts_from_rows(
            rows_with("换届（回应：1）", "工作"),
            kind="half-year",
            org="某局",
            period="2026年上半年",
            next_period=None,
        )
    with pytest.raises(ServiceError, match="找不到对应的问题“3”"):
        service.drafts.facts_from_rows(
            rows_with("换届（回应：3）"),
            kind="half-year",
            org="某局",
            period="2026年上半年",
            next_period=None,
        )


# ---------------------------------------------------------------- drafting, editing, versions


def test_composer_draft_versions_edit_and_flag(service, sheet) -> None:
    did = write_draft(service, sheet)
    ws = service.drafts.open_draft("w1", did)
    assert [v.reason for v in ws.versions] == ["facts", "generate"]
    assert all(s.mode == "composer" for s in ws.draft.sections if s.paragraphs)
    key = next(s.key for s in ws.draft.sections if s.key.startswith("work:"))
    text = "\n".join(p.text for p in next(s for s in ws.draft.sections if s.key == key).paragraphs)

    flags = service.editing.check_section("w1", did, key, text + "\n全年新建党群服务中心987个。")
    assert any(f.kind == "unsupported_number" and "987" in f.text and f.section == key for f in flags)
    assert service.drafts.open_draft("w1", did).version == 2  # checking saves nothing

    saved = service.editing.save_section("w1", did, key, text + "\n全年新建党群服务中心987个。")
    assert saved.version == 3
    assert any(f.kind == "unsupported_number" and "987" in f.text for f in saved.flags)
    section = next(s for s in saved.sections if s.key == key)
    assert section.paragraphs[-1].text == "全年新建党群服务中心987个。"
    assert section.record.get("edited_by") == "w1"

    rows = service.editing.diff("w1", did, 2, 3)
    assert [r.kind for r in rows if r.kind != "same"] == ["added"]
    restored = service.editing.restore("w1", did, 2)
    assert restored.version == 4
    assert all("987" not in p.text for s in restored.sections for p in s.paragraphs)


def test_editing_is_blocked_while_in_review(service, sheet) -> None:
    did = write_draft(service, sheet)
    service.reviews.submit("w1", did)
    with pytest.raises(ServiceError, match="审核中"):
        service.editing.save_section("w1", did, "opening", "改写")
    events = list(service.generation.generate("w1", did))
    assert events[-1].kind == "error" and "审核中" in events[-1].text


def test_export_contains_the_edited_text(service, sheet) -> None:
    did = write_draft(service, sheet)
    service.editing.save_section("w1", did, "closing", "这是人工改写的结尾段落。")
    path = service.export.export_docx("w1", did)
    assert path.suffix == ".docx" and path.is_file()
    assert path.parent.parent == service.settings.exports_dir
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "这是人工改写的结尾段落。" in text
    other = service.export.export_docx("w1", did)
    assert other.parent != path.parent  # each export in its own unguessable folder


def test_preview_without_pages_explains(settings, tmp_path, sheet) -> None:
    from drafting.word.preview import PreviewError

    def broken(docx_path, out):
        raise PreviewError("未找到 LibreOffice")

    service = make_service(settings, tmp_path, kb=lambda: None)
    service.export.render = broken
    did = write_draft(service, sheet)
    preview = service.export.preview("w1", did)
    assert preview.pages == () and "LibreOffice" in preview.note
