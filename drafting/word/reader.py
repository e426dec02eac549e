"""Reading a draft back from wherever a person has it, for checking: a saved draft's id, an
exported .docx, or a JSON file (``drafter draft --json`` output, or ``{"draft": …, "facts": …}``).

A .docx has lost the draft's structure, so its paragraphs are put back into the sections the
outline plans for the fact sheet by matching headings; text before the first known heading goes
to the opening, and the title, addressee, signature and date lines are recognised and set aside.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafting.model import Draft, FactSheet, Paragraph, Section
from drafting.normalising.numbering import strip_numbering
from drafting.store.draft_json import DraftFormatError, draft_from_json, facts_from_json

if TYPE_CHECKING:
    from drafting.settings import Settings

MAX_JSON_BYTES = 20 * 1024 * 1024
_DATE_LINE = re.compile(
    r"^\s*[0-9〇一二三四五六七八九十零○]{2,4}年[0-9一二三四五六七八九十]{1,2}月[0-9一二三四五六七八九十]{1,3}日\s*$"
)


def load_for_check(
    target: str, settings: Settings, *, facts: Path | None = None, version: int | None = None
) -> tuple[Draft, FactSheet]:
    """The draft named by ``target`` and the fact sheet to check it against.

    Raises DraftFormatError (or the facts/store errors) with a Chinese message on bad input.
    """
    from drafting.facts.files import parse_facts_file
    from drafting.store.drafts import DraftStore

    sheet = parse_facts_file(facts) if facts is not None else None
    path = Path(target)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".docx":
            if sheet is None:
                raise DraftFormatError("核对 Word 文件需要用 --facts 指定事实材料")
            return read_docx_draft(path, sheet, settings), sheet
        if suffix == ".json":
            return _read_json(path, sheet, settings)
        raise DraftFormatError(f"不支持的文件类型“{path.suffix}”：请给出草稿编号、.docx 或 .json 文件")
    if any(ch in target for ch in "/\\") or target.lower().endswith((".docx", ".json")):
        raise DraftFormatError(f"找不到文件：{target}")
    saved = DraftStore.from_settings(settings).get_version(target, version)
    sheet = sheet or saved.facts
    if sheet is None:
        raise DraftFormatError(f"草稿 {target} 没有保存事实材料，请用 --facts 指定")
    return saved.draft, sheet


def _read_json(path: Path, sheet: FactSheet | None, settings: Settings) -> tuple[Draft, FactSheet]:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise DraftFormatError(f"文件过大，不像是草稿：{path.name}")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DraftFormatError(f"{path.name} 不是有效的 JSON（{exc}）") from None
    if isinstance(data, dict) and isinstance(data.get("draft"), dict):
        draft = draft_from_json(data["draft"])
        if sheet is None and data.get("facts") is not None:
            sheet = _facts_any_shape(data["facts"])
    else:
        draft = draft_from_json(data)
    if sheet is None and draft.id:
        from drafting.store.drafts import DraftNotFound, DraftStore

        try:
            sheet = DraftStore.from_settings(settings).get_version(draft.id, draft.version).facts
        except DraftNotFound:
            sheet = None
    if sheet is None:
        raise DraftFormatError(f"{path.name} 里没有事实材料，请用 --facts 指定")
    return draft, sheet


def _facts_any_shape(data: Any) -> FactSheet:
    # Either the stored shape (facts with ids) or the facts-file shape a writer types.
    try:
        return facts_from_json(data)
    except DraftFormatError:
        from drafting.facts.sheet import parse_facts_mapping

        return parse_facts_mapping(data)


def read_docx_draft(path: Path, sheet: FactSheet, settings: Settings) -> Draft:
    """A Draft rebuilt from an exported (or hand-edited) .docx, sections matched by heading."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from drafting.outlines.outline import get_outline
    from drafting.outlines.planning import plan_sections

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DraftFormatError(
            f"{path.name} 无法作为 Word 文件打开，可能已损坏或不是 .docx（{exc}）"
        ) from None
    # A long title is one paragraph with line breaks; joined back it is the title again.
    lines = [p.text.replace("\n", "").strip() for p in document.paragraphs if p.text.strip()]
    outline = get_outline(settings.outlines_dir, sheet.kind)
    specs = plan_sections(outline, sheet)
    return split_lines_into_sections(lines, sheet, specs)


def _split_off_closing(sections: list[Section], specs: list[Any]) -> None:
    """The closing has no heading, so it arrives as the last paragraph of the last section; a
    final paragraph that follows the last section's own text is taken as the closing."""
    closing = next((s for s in specs if s.part == "closing" and not s.heading), None)
    last = sections[-1]
    if closing is None or last.part == "closing" or len(last.paragraphs) < 2:
        return
    sections.append(
        Section(
            key=closing.key,
            part="closing",
            heading="",
            level=0,
            status="done",
            paragraphs=[last.paragraphs.pop()],
        )
    )


def split_lines_into_sections(lines: list[str], sheet: FactSheet, specs: list[Any]) -> Draft:
    """Lines of a document → Draft: title first, then sections started by their headings.

    Part headings start a header section keyed by the part ("work"), as the pipeline assembles them.
    """
    # Headings in reading order; matched forward only, since a plan area may repeat a work
    # area's name ("（一）干部教育培训" under both parts).
    starts: list[tuple[str, str, Any, int]] = []  # (bare heading, section key, part, level)
    for spec in specs:
        if spec.part_heading:
            starts.append((strip_numbering(spec.part_heading), spec.part, spec.part, 1))
        if spec.heading:
            starts.append((strip_numbering(spec.heading), spec.key, spec.part, spec.level))
            # A document written with plain subheadings ("（一）人才工作") names the bare area.
            if spec.area and strip_numbering(spec.heading) != spec.area:
                starts.append((spec.area, spec.key, spec.part, spec.level))
    cursor = 0
    lines = list(lines)
    title = lines.pop(0) if lines else ""
    opening = next((s.key for s in specs if s.part == "opening"), "opening")
    current = Section(key=opening, part="opening", heading="", level=0, status="done")
    sections = [current]
    signature, date = None, None
    for line in lines:
        bare = strip_numbering(line)
        found = next((i for i in range(cursor, len(starts)) if starts[i][0] == bare), None)
        if found is not None:
            _, key, part, level = starts[found]
            cursor = found + 1
            current = Section(key=key, part=part, heading=line, level=level, status="done")
            sections.append(current)
        elif _DATE_LINE.match(line):
            date = line
        elif line == sheet.org:
            signature = line
        elif sheet.addressee and line.rstrip("：:") == sheet.addressee:
            continue  # the addressee line, not body text
        else:
            current.paragraphs.append(Paragraph(text=line))
    _split_off_closing(sections, specs)
    return Draft(
        title=title,
        kind=sheet.kind,
        org=sheet.org,
        period=sheet.period,
        sections=[s for s in sections if s.paragraphs or s.heading],
        addressee=sheet.addressee,
        signature=signature,
        date=date,
    )
