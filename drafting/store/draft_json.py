"""JSON round trip of drafts and fact sheets (the dataclasses of drafting/model.py).

Used by the draft store and by ``drafter check`` on JSON files a person may have edited, so the
reader is lenient about optional fields and strict, with a Chinese message naming the field,
about the rest.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal, cast

from drafting.model import Draft, Fact, FactGroup, FactSheet, Flag, Paragraph, PassageRef, Removal, Section
from retrieval.documents import PARTS, Part


class DraftFormatError(ValueError):
    """A JSON draft or fact sheet that cannot be read; the message names the field."""


def draft_to_json(draft: Draft) -> dict[str, Any]:
    """The draft as plain JSON-ready data (field names as in the dataclasses)."""
    return asdict(draft)


def facts_to_json(sheet: FactSheet) -> dict[str, Any]:
    data = asdict(sheet)
    data["parts"] = {part: [asdict(g) for g in groups] for part, groups in sheet.parts.items()}
    return data


def draft_from_json(data: Any) -> Draft:
    """A Draft from ``draft_to_json`` output (or the CLI's ``--json`` output); DraftFormatError if malformed."""
    data = _mapping(data, "草稿")
    sections = [_section(s, f"sections[{i}]") for i, s in enumerate(_list(data.get("sections"), "sections"))]
    return Draft(
        title=_str(data.get("title"), "title", default=""),
        kind=_str(data.get("kind"), "kind", default=""),
        org=_str(data.get("org"), "org", default=""),
        period=_str(data.get("period"), "period", default=""),
        sections=sections,
        addressee=_opt_str(data.get("addressee"), "addressee"),
        greeting=_opt_str(data.get("greeting"), "greeting"),
        speaker=_opt_str(data.get("speaker"), "speaker"),
        signature=_opt_str(data.get("signature"), "signature"),
        date=_opt_str(data.get("date"), "date"),
        flags=[_flag(f, f"flags[{i}]") for i, f in enumerate(_list(data.get("flags") or [], "flags"))],
        id=_opt_str(data.get("id"), "id"),
        version=_opt_int(data.get("version"), "version"),
    )


def facts_from_json(data: Any) -> FactSheet:
    """A FactSheet from ``facts_to_json`` output; DraftFormatError if malformed."""
    data = _mapping(data, "事实")
    parts: dict[Part, tuple[FactGroup, ...]] = {}
    for part, groups in _mapping(data.get("parts") or {}, "parts").items():
        where = f"parts.{part}"
        groups_out = []
        for gi, group in enumerate(_list(groups, where)):
            group = _mapping(group, f"{where}[{gi}]")
            facts = tuple(
                Fact(
                    id=_str(f.get("id"), f"{where}[{gi}].facts[{fi}].id"),
                    text=_str(f.get("text"), f"{where}[{gi}].facts[{fi}].text"),
                    part=_part(f.get("part", part), f"{where}[{gi}].facts[{fi}].part"),
                    area=_opt_str(f.get("area"), f"{where}[{gi}].facts[{fi}].area"),
                )
                for fi, f in enumerate(
                    _mapping(x, f"{where}[{gi}].facts[]")
                    for x in _list(group.get("facts"), f"{where}[{gi}].facts")
                )
            )
            groups_out.append(
                FactGroup(
                    area=_opt_str(group.get("area"), f"{where}[{gi}].area"),
                    facts=facts,
                    keyword=_opt_str(group.get("keyword"), f"{where}[{gi}].keyword"),
                )
            )
        parts[_part(part, where)] = tuple(groups_out)
    return FactSheet(
        kind=_str(data.get("kind"), "kind"),
        org=_str(data.get("org"), "org"),
        period=_str(data.get("period"), "period"),
        next_period=_opt_str(data.get("next_period"), "next_period"),
        title=_opt_str(data.get("title"), "title"),
        addressee=_opt_str(data.get("addressee"), "addressee"),
        speaker=_opt_str(data.get("speaker"), "speaker"),
        date=_opt_str(data.get("date"), "date"),
        parts=parts,
    )


# ---------------------------------------------------------------- pieces


def _section(data: Any, where: str) -> Section:
    data = _mapping(data, where)
    status = data.get("status") or "done"
    if status not in ("pending", "done", "failed"):
        raise DraftFormatError(f"草稿格式错误：{where}.status 应为 pending/done/failed，实际是 {status!r}")
    record = data.get("record") or {}
    return Section(
        key=_str(data.get("key"), f"{where}.key"),
        part=_part(data.get("part"), f"{where}.part"),
        heading=_str(data.get("heading"), f"{where}.heading", default=""),
        level=_opt_int(data.get("level"), f"{where}.level") or 0,
        paragraphs=[
            _paragraph(p, f"{where}.paragraphs[{i}]")
            for i, p in enumerate(_list(data.get("paragraphs") or [], f"{where}.paragraphs"))
        ],
        mode=_str(data.get("mode"), f"{where}.mode", default="composer"),
        status=cast(Literal["pending", "done", "failed"], status),
        error=_opt_str(data.get("error"), f"{where}.error"),
        record=dict(_mapping(record, f"{where}.record")),
        removals=[
            _removal(r, f"{where}.removals[{i}]")
            for i, r in enumerate(_list(data.get("removals") or [], f"{where}.removals"))
        ],
    )


def _removal(data: Any, where: str) -> Removal:
    data = _mapping(data, where)
    return Removal(
        reason=_str(data.get("reason"), f"{where}.reason"),
        text=_str(data.get("text"), f"{where}.text", default=""),
        replacement=_str(data.get("replacement"), f"{where}.replacement", default=""),
    )


def _paragraph(data: Any, where: str) -> Paragraph:
    if isinstance(data, str):
        return Paragraph(text=data)
    data = _mapping(data, where)
    kind = data.get("kind") or "body"
    if kind not in ("heading", "body"):
        raise DraftFormatError(f"草稿格式错误：{where}.kind 应为 heading 或 body，实际是 {kind!r}")
    fact_ids = [
        _str(x, f"{where}.fact_ids[]") for x in _list(data.get("fact_ids") or [], f"{where}.fact_ids")
    ]
    passages = [
        _passage(p, f"{where}.passages[{i}]")
        for i, p in enumerate(_list(data.get("passages") or [], f"{where}.passages"))
    ]
    return Paragraph(
        text=_str(data.get("text"), f"{where}.text"),
        kind=cast(Literal["heading", "body"], kind),
        level=_opt_int(data.get("level"), f"{where}.level") or 0,
        fact_ids=fact_ids,
        passages=passages,
    )


def _passage(data: Any, where: str) -> PassageRef:
    if isinstance(data, str):
        return PassageRef(passage_id=data, source="", start=0, end=0)
    data = _mapping(data, where)
    return PassageRef(
        passage_id=_str(data.get("passage_id", data.get("id")), f"{where}.passage_id"),
        source=_str(data.get("source"), f"{where}.source", default=""),
        start=_opt_int(data.get("start"), f"{where}.start") or 0,
        end=_opt_int(data.get("end"), f"{where}.end") or 0,
    )


def _flag(data: Any, where: str) -> Flag:
    data = _mapping(data, where)
    return Flag(
        kind=_str(data.get("kind"), f"{where}.kind"),  # type: ignore[arg-type]
        text=_str(data.get("text"), f"{where}.text", default=""),
        section=_opt_str(data.get("section"), f"{where}.section"),
        paragraph=_opt_int(data.get("paragraph"), f"{where}.paragraph"),
        start=_opt_int(data.get("start"), f"{where}.start"),
        end=_opt_int(data.get("end"), f"{where}.end"),
        detail=_str(data.get("detail"), f"{where}.detail", default=""),
    )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DraftFormatError(f"草稿格式错误：{where} 应为对象（JSON object）")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DraftFormatError(f"草稿格式错误：{where} 应为列表")
    return value


def _str(value: Any, where: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise DraftFormatError(f"草稿格式错误：缺少 {where} 或它不是文字")
    return value


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _opt_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DraftFormatError(f"草稿格式错误：{where} 应为整数")
    return value


def _part(value: Any, where: str) -> Part:
    if value not in PARTS:
        raise DraftFormatError(f"草稿格式错误：{where} 应为 {'/'.join(PARTS)} 之一，实际是 {value!r}")
    return cast(Part, value)
