"""Every write to candidates, documents and applications, by subject."""

from .applications import (
    InterviewSlot,
    application_answer_offer,
    application_move,
    application_screen,
    application_withdraw,
)
from .applying import application_submit
from .bulk import BulkOutcome, BulkStep, application_bulk_move, application_bulk_plan
from .data_rights import (
    ANONYMISED_NAME,
    candidate_anonymise,
    deletion_request_create,
    deletion_requests_settle,
)
from .documents import ALLOWED_DOCUMENT_TYPES, document_return_to_review, document_review, document_upload
from .exports import (
    FULL_NIK_PERMISSION,
    application_export_finish,
    application_export_start,
    application_export_stream,
    export_file_name,
)
from .offers import offers_expire, offers_remind
from .partners import application_review_add, document_read_record, personal_data_access_record
from .profile import (
    candidate_profile_correct,
    candidate_profile_ensure,
    candidate_profile_update,
    certificate_add,
    certificate_remove,
    language_remove,
    language_set,
)
from .reminders import RECRUITMENT_CLOSING_DAYS, recruitment_closing_remind
from .scoring import application_scores_set, score_total

__all__ = [
    "ALLOWED_DOCUMENT_TYPES",
    "ANONYMISED_NAME",
    "FULL_NIK_PERMISSION",
    "RECRUITMENT_CLOSING_DAYS",
    "BulkOutcome",
    "BulkStep",
    "InterviewSlot",
    "application_answer_offer",
    "application_bulk_move",
    "application_bulk_plan",
    "application_export_finish",
    "application_export_start",
    "application_export_stream",
    "application_move",
    "application_review_add",
    "application_scores_set",
    "application_screen",
    "application_submit",
    "application_withdraw",
    "candidate_anonymise",
    "candidate_profile_correct",
    "candidate_profile_ensure",
    "candidate_profile_update",
    "certificate_add",
    "certificate_remove",
    "deletion_request_create",
    "deletion_requests_settle",
    "document_read_record",
    "document_return_to_review",
    "document_review",
    "document_upload",
    "export_file_name",
    "language_remove",
    "language_set",
    "offers_expire",
    "offers_remind",
    "personal_data_access_record",
    "recruitment_closing_remind",
    "score_total",
]
