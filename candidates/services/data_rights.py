"""The candidate's data rights under UU PDP: erasure once no active application needs the data."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from accounts.services import login_history_forget

from ..models import ApplicationEvent, CandidateProfile, DeletionRequest, Document, ImportRow

logger = logging.getLogger(__name__)


ANONYMISED_NAME = "—"


@transaction.atomic
def candidate_anonymise(*, candidate: CandidateProfile) -> CandidateProfile:
    """Erase personal data; applications stay for statistics, without a person behind them."""
    locked = CandidateProfile.objects.select_for_update().get(pk=candidate.pk)
    if locked.anonymised_at:
        return locked
    files = [document.file.name for document in locked.documents.all()]
    locked.documents.all().delete()
    locked.certificates.all().delete()
    locked.languages.all().delete()
    for field in (
        "birth_place",
        "phone",
        "address",
        "regency",
        "school_name",
        "school_npsn",
        "passport_number",
    ):
        setattr(locked, field, "")
    locked.full_name = ANONYMISED_NAME
    locked.nik = None
    locked.birth_date = None
    locked.passport_expiry = None
    locked.anonymised_at = timezone.now()
    locked.save()
    # Free text the candidate wrote may name people or places; it goes too.
    ApplicationEvent.objects.filter(application__candidate=locked, actor=locked.user).update(reason="")
    locked.deletion_requests.update(reason="")
    files += _complaints_erase(locked)
    # The reports of imports name the person too.
    ImportRow.objects.filter(application__candidate=locked).update(full_name=ANONYMISED_NAME, masked_nik="")
    user = locked.user
    # The log-in records (the e-mail typed, address and browser of every try) go too.
    login_history_forget(emails=[user.email])
    user.email = f"deleted-{user.pk}@anonymised.invalid"
    user.full_name = ""
    user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    storage = Document.file.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    logger.info("candidate %s anonymised", locked.pk)
    return locked


def _complaints_erase(candidate: CandidateProfile) -> list[str]:
    """Erase what the candidate wrote and sent in complaints; the files to delete.

    The complaints stay (category, programme, status, dates) for the ministry's records.
    """
    from complaints.models import ComplaintEntry, ComplaintEntryKind

    complaints = candidate.complaints.all()
    files = list(complaints.exclude(attachment="").values_list("attachment", flat=True))
    complaints.update(description="", attachment="", attachment_name="", attachment_type="")
    ComplaintEntry.objects.filter(
        complaint__candidate=candidate, kind=ComplaintEntryKind.WORKER_REPLY
    ).update(text="")
    return files


@transaction.atomic
def deletion_request_create(*, candidate: CandidateProfile, reason: str = "") -> DeletionRequest:
    """Withdraw consent: erase now if no active application needs the data, else when the last one ends."""
    request = DeletionRequest.objects.create(candidate=candidate, reason=(reason or "").strip())
    deletion_requests_settle(candidate=candidate)
    request.refresh_from_db()
    return request


@transaction.atomic
def deletion_requests_settle(*, candidate: CandidateProfile) -> None:
    """Carry out pending deletion requests once no application of the candidate is active."""
    pending = DeletionRequest.objects.select_for_update().filter(
        candidate=candidate, decision=DeletionRequest.Decision.PENDING
    )
    if not pending.exists():
        return
    if any(application.is_active for application in candidate.applications.all()):
        return
    candidate_anonymise(candidate=candidate)
    pending.update(decision=DeletionRequest.Decision.ANONYMISED, decided_at=timezone.now())
