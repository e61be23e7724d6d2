"""Bulk moves on the application list: what will happen to each application, then a confirmation."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..forms import ReasonForm
from ..models import Stage


class BulkMovesMixin:
    """*Advance* and *Reject* for the application admin: nothing moves before the confirming POST."""

    def _report(self, request: HttpRequest, outcome: services.BulkOutcome) -> None:
        if outcome.moved:
            moved = ", ".join(
                f"#{application.pk} → {Stage(stage).label}" for application, stage in outcome.moved
            )
            self.message_user(
                request,
                ngettext(
                    "%(count)d application moved: %(moved)s",
                    "%(count)d applications moved: %(moved)s",
                    len(outcome.moved),
                )
                % {"count": len(outcome.moved), "moved": moved},
                messages.SUCCESS,
            )
        for application, message in outcome.refused:
            self.message_user(
                request,
                _("#%(id)s %(name)s not moved: %(reason)s")
                % {"id": application.pk, "name": application.candidate.full_name, "reason": message},
                messages.ERROR,
            )

    def _bulk_confirm(self, request: HttpRequest, queryset, *, action: str, to_stage: str | None):
        """Show what will happen to each selected application; move only on the confirming POST.

        The confirming POST carries the stage each application was shown at; only those
        applications are moved, and one that has moved since is left alone.
        """
        applications = list(queryset.select_related("candidate", "program").order_by("pk"))
        rejecting = to_stage == Stage.REJECTED
        confirming = request.POST.get("confirm") == "yes"
        form = ReasonForm(request.POST if confirming else None) if rejecting else None
        if confirming and (form is None or form.is_valid()):
            shown = {}
            for application in applications:
                stage = request.POST.get(f"stage_{application.pk}")
                if stage is not None:
                    shown[application.pk] = stage
            outcome = services.application_bulk_move(
                applications=[application for application in applications if application.pk in shown],
                to_stage=to_stage,
                actor=request.user,
                reason=form.cleaned_data["reason"] if form is not None else "",
                expected_stages=shown,
            )
            self._report(request, outcome)
            return None
        steps = services.application_bulk_plan(applications=applications, to_stage=to_stage)
        moving = sum(1 for step in steps if step.moves)
        if rejecting:
            title = _("Reject applications")
            button = ngettext("Reject %(count)d application", "Reject %(count)d applications", moving)
        else:
            title = _("Advance applications to their next stage")
            button = ngettext("Move %(count)d application", "Move %(count)d applications", moving)
        return TemplateResponse(
            request,
            "admin/candidates/application/bulk_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "steps": steps,
                "moving": moving,
                "button": button % {"count": moving},
                "action": action,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Advance the selected applications to their next stage"), permissions=["change"]
    )
    def advance_selected(self, request: HttpRequest, queryset):
        return self._bulk_confirm(request, queryset, action="advance_selected", to_stage=None)

    @admin.action(description=_("Reject the selected applications (with a reason)"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset):
        return self._bulk_confirm(request, queryset, action="reject_selected", to_stage=Stage.REJECTED)
