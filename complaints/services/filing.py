"""Filing a complaint: the worker's own, about their placement or application."""

from __future__ import annotations

import logging

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, CandidateProfile
from candidates.services.documents import uploaded_file_type
from p2mi_portal.errors import Forbidden, invalid

from ..models import (
    Complaint,
    ComplaintCategory,
    ComplaintEntryKind,
    ComplaintPriority,
    ComplaintStatus,
)
from .common import (
    DEFAULT_PRIORITY,
    clean_text,
    due_at_for,
    entry_write,
)

logger = logging.getLogger(__name__)

# --- Filing ----------------------------------------------------------------------------


@transaction.atomic
def complaint_file(
    *,
    candidate: CandidateProfile,
    category: str,
    description: str,
    application: Application | None = None,
    attachment: UploadedFile | None = None,
) -> Complaint:
    """A candidate's or worker's complaint, optionally about one of their own applications."""
    if candidate.anonymised_at is not None:
        raise Forbidden(_("This account has been erased."))
    if category not in ComplaintCategory.values:
        raise invalid("category", _("Choose one of the listed categories."))
    description = clean_text(description, field="description", required_message=_("Describe what happened."))
    if application is not None and application.candidate_id != candidate.pk:
        raise invalid("application", _("Choose one of your own applications, or none."))
    content_type = uploaded_file_type(attachment) if attachment else ""
    now = timezone.now()
    priority = DEFAULT_PRIORITY.get(category, ComplaintPriority.NORMAL)
    complaint = Complaint(
        candidate=candidate,
        application=application,
        program_id=application.program_id if application else None,
        category=category,
        description=description,
        priority=priority,
        status=ComplaintStatus.NEW,
        due_at=due_at_for(created_at=now, priority=priority),
        created_at=now,
        updated_at=now,
    )
    stored = ""
    if attachment:
        complaint.attachment.save("attachment", attachment, save=False)
        stored = complaint.attachment.name
        complaint.attachment_name = (attachment.name or "")[:200]
        complaint.attachment_type = content_type
    try:
        with transaction.atomic():
            complaint.save()
            entry_write(
                complaint,
                kind=ComplaintEntryKind.FILED,
                actor=candidate.user,
                to_value=ComplaintStatus.NEW,
                visible_to_worker=True,
            )
    except Exception:
        # Nothing half-saved: a file without its complaint is removed at once.
        if stored:
            complaint.attachment.storage.delete(stored)
        raise
    # Only the number: a complaint's category or text may reveal health or abuse.
    logger.info("complaint %s filed", complaint.pk)
    return complaint
