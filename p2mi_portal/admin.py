"""Admin pages the portal adjusts for libraries it uses (the site itself: ``admin_site.py``)."""

from __future__ import annotations

from celery import schedules
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule

# --- Crontab schedules (django-celery-beat) -------------------------------------------------
# The library's validators accept values its own scheduler then cannot read (a negative hour,
# say), and its admin page fails on them while describing the schedule. Staff edit schedules,
# so the form checks with the scheduler's own parser and the description never fails.


CRONTAB_PARTS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


class CrontabScheduleForm(forms.ModelForm):
    class Meta:
        model = CrontabSchedule
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        parts = {name: cleaned.get(name) for name in CRONTAB_PARTS}
        if all(value is not None for value in parts.values()):
            try:
                schedules.crontab(**parts)
            except (schedules.ParseException, ValueError, TypeError) as exc:
                raise ValidationError(
                    _("The task scheduler cannot read this schedule: %(problem)s"), params={"problem": exc}
                ) from exc
        return cleaned


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    form = CrontabScheduleForm

    @admin.display(description=_("schedule"))
    def human_readable(self, schedule: CrontabSchedule) -> str:
        try:
            return schedule.human_readable
        except (schedules.ParseException, ValueError, TypeError):
            return "-"


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)


# --- Read-only pages ------------------------------------------------------------------------
# Logs, and what only the services write, are shown in the admin but never written through it.


class ReadOnlyAdminMixin:
    """No adding, changing or deleting through this admin page or inline.

    ``admin_writes`` names what the page may do all the same (``"change"``, ``"delete"``),
    each still subject to the user's permissions.
    """

    admin_writes: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        # A model admin is asked with the request, an inline with the parent object too.
        return "add" in self.admin_writes and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return "change" in self.admin_writes and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return "delete" in self.admin_writes and super().has_delete_permission(request, obj)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown under an object, as they were written."""

    extra = 0
    can_delete = False
