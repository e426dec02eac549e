"""Sign-in, roles, and who may see, change and share which draft."""

from __future__ import annotations

import pytest
from service_fixtures import PASSWORD

from drafting.service.facade import DraftingService, ServiceError

# ---------------------------------------------------------------- sign-in and permissions


def test_sign_in_checks_the_password(service: DraftingService) -> None:
    assert service.sign_in.sign_in("w1", PASSWORD).ok
    assert not service.sign_in.sign_in("w1", "wrong").ok
    assert not service.sign_in.sign_in("nobody", PASSWORD).ok


@pytest.mark.parametrize("role_user", ["r1", "m1"])
def test_only_writers_and_admins_start_drafts(service, sheet, role_user: str) -> None:
    with pytest.raises(ServiceError, match="无权起草"):
        service.drafts.start_draft(role_user, sheet)
    assert service.drafts.start_draft("a1", sheet).owner == "a1"


def test_unknown_user_is_refused(service, sheet) -> None:
    with pytest.raises(ServiceError, match="登录"):
        service.drafts.start_draft("ghost", sheet)
    with pytest.raises(ServiceError, match="登录"):
        service.drafts.list_drafts(None)


def test_writer_does_not_see_another_writers_draft(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    assert [d.id for d in service.drafts.list_drafts("w1")] == [did]
    assert service.drafts.list_drafts("w2") == []
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.open_draft("w2", did)
    with pytest.raises(ServiceError, match="找不到"):
        service.export.export_docx("w2", did)
    with pytest.raises(ServiceError, match="找不到"):
        service.editing.save_section("w2", did, "opening", "改写")


def test_sharing_gives_read_access_only(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.share("w2", did, "w2")  # cannot grant oneself a draft one cannot see
    service.drafts.share("w1", did, "w2")
    assert [d.id for d in service.drafts.list_drafts("w2")] == [did]
    ws = service.drafts.open_draft("w2", did)
    assert not ws.can_edit
    with pytest.raises(ServiceError, match="不能修改"):
        service.editing.save_section("w2", did, "opening", "改写")
    with pytest.raises(ServiceError, match="不存在"):
        service.drafts.share("w1", did, "nobody")


def test_reviewer_sees_drafts_only_once_sent_for_review(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    assert service.drafts.list_drafts("r1") == [] and service.reviews.review_queue("r1") == []
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.open_draft("r1", did)
    service.reviews.submit("w1", did)
    assert [d.id for d in service.reviews.review_queue("r1")] == [did]
    assert service.drafts.open_draft("r1", did).review.status == "in_review"
    with pytest.raises(ServiceError, match="无权审核"):
        service.reviews.review_queue("w1")
