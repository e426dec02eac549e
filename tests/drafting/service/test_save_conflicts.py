"""Two people saving the same draft: nobody's edit is silently overwritten. The second save of the
same section gets a SaveConflict naming who saved what, and resolves it by loading theirs or
keeping mine as a new version; edits of different sections both survive."""

from __future__ import annotations

import threading

import pytest
from service_fixtures import write_draft

from drafting.service.views import SaveConflict


@pytest.fixture
def shared(service, sheet) -> str:
    did = write_draft(service, sheet)
    service.drafts.share("w1", did, "w2", "edit")
    return did


def text_of(service, did: str, key: str) -> str:
    draft = service.drafts.open_draft("w1", did).draft
    return "\n".join(p.text for s in draft.sections if s.key == key for p in s.paragraphs)


def test_the_second_save_of_a_section_is_a_conflict_not_an_overwrite(service, shared) -> None:
    base = service.drafts.open_draft("w1", shared).version
    service.editing.save_section("w1", shared, "closing", "甲改写的结尾。", base_version=base)
    with pytest.raises(SaveConflict, match="“结尾”在你打开之后已被 w1 修改并保存为第 3 版") as caught:
        service.editing.save_section("w2", shared, "closing", "乙改写的结尾。", base_version=base)
    assert caught.value.latest == 3 and caught.value.author == "w1"
    assert text_of(service, shared, "closing") == "甲改写的结尾。"  # nothing of w2's was written
    assert service.drafts.open_draft("w2", shared).version == 3

    # Keep mine: save again on top of theirs, as a new version; theirs stays in the history.
    kept = service.editing.save_section("w2", shared, "closing", "乙改写的结尾。")
    assert kept.version == 4 and text_of(service, shared, "closing") == "乙改写的结尾。"
    versions = service.drafts.open_draft("w1", shared).versions
    assert [(v.number, v.author) for v in versions[-2:]] == [(3, "w1"), (4, "w2")]


def test_edits_of_different_sections_are_both_kept(service, shared) -> None:
    base = service.drafts.open_draft("w1", shared).version
    service.editing.save_section("w1", shared, "closing", "甲改写的结尾。", base_version=base)
    saved = service.editing.save_section("w2", shared, "opening", "乙改写的开头。", base_version=base)
    assert saved.version == 4
    assert text_of(service, shared, "closing") == "甲改写的结尾。"
    assert text_of(service, shared, "opening") == "乙改写的开头。"


def test_two_saves_at_the_same_moment_one_wins_one_conflicts(service, shared) -> None:
    base = service.drafts.open_draft("w1", shared).version
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user: str) -> None:
        start.wait()
        try:
            outcomes[user] = service.editing.save_section(
                user, shared, "closing", f"{user} 的结尾。", base_version=base
            ).version
        except SaveConflict as exc:
            outcomes[user] = exc

    threads = [threading.Thread(target=save, args=(u,)) for u in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [u for u, o in outcomes.items() if o == base + 1]
    losers = [u for u, o in outcomes.items() if isinstance(o, SaveConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert text_of(service, shared, "closing") == f"{winners[0]} 的结尾。"
    assert service.drafts.open_draft("w1", shared).version == base + 1
