"""Every write of training and placement: enrolments, assessments, placements, grades, return.

Each function locks what it changes, checks who is acting and what the rules
allow, and records who did it (and with which API key). Moves of the application
that follow from these records (into training, placed, returned, discontinued) go
through the one stage service, ``candidates.services.application_move``.
"""

from .checklist import (
    CHECKLIST_REMINDER_EVERY,
    checklist_confirm,
    checklist_remind,
    checklist_reopen,
    checklists_remind,
    open_checklist_items,
    passport_problem,
)
from .common import add_months
from .grades import placement_change_grade
from .leaving import records_close
from .passports import passport_flags_clear, passports_flag
from .placement import placement_create
from .reintegration import (
    placement_record_wish,
    referral_create,
    referral_record_outcome,
)
from .status import DEPARTURE_LEAD, RETURN_GRACE, placement_change_status
from .training import (
    assessment_record,
    certificate_add,
    enrolment_choose_field,
    enrolment_end_early,
    enrolment_pass,
    enrolment_record_progress,
    enrolment_start,
    pass_rule_problems,
    training_enrol,
)

__all__ = [
    "CHECKLIST_REMINDER_EVERY",
    "DEPARTURE_LEAD",
    "RETURN_GRACE",
    "add_months",
    "assessment_record",
    "certificate_add",
    "checklist_confirm",
    "checklist_remind",
    "checklist_reopen",
    "checklists_remind",
    "enrolment_choose_field",
    "enrolment_end_early",
    "enrolment_pass",
    "enrolment_record_progress",
    "enrolment_start",
    "open_checklist_items",
    "pass_rule_problems",
    "passport_flags_clear",
    "passport_problem",
    "passports_flag",
    "placement_change_grade",
    "placement_change_status",
    "placement_create",
    "placement_record_wish",
    "records_close",
    "referral_create",
    "referral_record_outcome",
    "training_enrol",
]
