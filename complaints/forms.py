"""Forms of the worker's complaint pages and of the staff triage; each feeds one service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from candidates.models import CandidateProfile
from p2mi_portal.transitions import Actor

from . import selectors, services
from .models import Complaint, ComplaintCategory, ComplaintPriority, ComplaintStatus
from .pipeline import COMPLAINT_MACHINE

TEXT_ATTRS = {"rows": 6, "maxlength": services.TEXT_MAX_LENGTH}


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", "—"), *ComplaintCategory.choices],
        error_messages={
            "required": _("Choose what the complaint is about."),
            "invalid_choice": _("Choose one of the listed categories."),
        },
    )
    application = forms.ModelChoiceField(
        label=_("Application it concerns"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        error_messages={"invalid_choice": _("Choose one of your own applications, or none.")},
    )
    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs=TEXT_ATTRS),
        max_length=services.TEXT_MAX_LENGTH,
        help_text=_("Who, what, when and where. The ministry treats your complaint confidentially."),
        error_messages={"required": _("Describe what happened.")},
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    # The service names the file "file" (as for documents); it belongs to the attachment here.
    SERVICE_FIELDS = {"file": "attachment"}

    def __init__(self, *args: Any, candidate: CandidateProfile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["application"]
        field.queryset = selectors.applications_to_complain_about(candidate)
        field.label_from_instance = lambda application: application.program.localized("title")
        self.fields["attachment"].help_text = _(
            "A photo or scan as evidence: PDF, JPEG or PNG, at most %(limit)s MB."
        ) % {"limit": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={**TEXT_ATTRS, "rows": 4}),
        max_length=services.TEXT_MAX_LENGTH,
        error_messages={"required": _("Write your reply.")},
    )


# --- Staff triage (admin) -----------------------------------------------------------------


class TriageForm(forms.Form):
    """One triage form on the complaint's staff page; ``run`` calls its service."""

    action = ""
    title = ""
    submit = _("Save")

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, prefix=self.action, **kwargs)
        self.complaint = complaint

    def available(self) -> bool:
        return self.complaint.is_open

    def run(self, actor: User) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class AssignForm(TriageForm):
    action = "assign"
    title = _("Assign")
    submit = _("Assign")
    assignee = forms.ModelChoiceField(
        label=_("assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
        error_messages={"invalid_choice": _("Assign the complaint to an active ministry staff member.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            role=Role.STAFF, is_staff=True, is_active=True
        ).order_by("full_name", "email")
        self.fields["assignee"].initial = self.complaint.assignee_id

    def run(self, actor: User) -> Any:
        return services.complaint_assign(
            complaint=self.complaint, assignee=self.cleaned_data["assignee"], actor=actor
        )


class PriorityForm(TriageForm):
    action = "priority"
    title = _("Priority")
    submit = _("Change the priority")
    priority = forms.ChoiceField(
        label=_("priority"),
        choices=ComplaintPriority.choices,
        error_messages={"invalid_choice": _("Choose one of the listed priorities.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.complaint.priority
        self.fields["priority"].help_text = _(
            "The due time is counted again from when the complaint was filed: "
            "urgent 1 day, high 3 days, normal 7 days, low 14 days."
        )

    def run(self, actor: User) -> Any:
        return services.complaint_priority_set(
            complaint=self.complaint, priority=self.cleaned_data["priority"], actor=actor
        )


class StatusForm(TriageForm):
    action = "status"
    title = _("Status")
    submit = _("Change the status")
    to_status = forms.ChoiceField(
        label=_("new status"),
        choices=(),
        error_messages={"invalid_choice": _("Choose one of the listed statuses.")},
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The worker sees the reason and is sent it. "
            "Required except to start or resume work or to close a resolved complaint."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The list offers the moves the table allows from here; any other status is still
        # accepted by the form so that the service explains why it is refused (for example
        # when someone else moved the complaint in the meantime).
        targets = COMPLAINT_MACHINE.allowed_targets(self.complaint.status, Actor.STAFF)
        self.fields["to_status"].choices = ComplaintStatus.choices
        self.fields["to_status"].widget.choices = [(target.value, target.label) for target in targets]

    def available(self) -> bool:
        return bool(COMPLAINT_MACHINE.allowed_targets(self.complaint.status, Actor.STAFF))

    def run(self, actor: User) -> Any:
        return services.complaint_status_change(
            complaint=self.complaint,
            to_status=self.cleaned_data["to_status"],
            reason=self.cleaned_data["reason"],
            actor=actor,
        )


class NoteForm(TriageForm):
    action = "note"
    title = _("Note")
    submit = _("Add the note")
    STAFF_ONLY = "staff"
    WORKER = "worker"
    text = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.TEXT_MAX_LENGTH,
        error_messages={"required": _("Write the note.")},
    )
    visibility = forms.ChoiceField(
        label=_("who sees it"),
        choices=[(STAFF_ONLY, _("Staff only")), (WORKER, _("Staff and the worker (the worker is notified)"))],
        initial=STAFF_ONLY,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose who sees the note.")},
    )

    def available(self) -> bool:
        return True

    def run(self, actor: User) -> Any:
        return services.complaint_note_add(
            complaint=self.complaint,
            text=self.cleaned_data["text"],
            visible_to_worker=self.cleaned_data["visibility"] == self.WORKER,
            actor=actor,
        )


TRIAGE_FORMS: tuple[type[TriageForm], ...] = (StatusForm, AssignForm, PriorityForm, NoteForm)
