"""The admin refuses ids that cannot be ids (tampered or stale forms) instead of failing with a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from programs.models import Major, ProgramStatus
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory
from tests.programs.factories import ProgramFactory

HUGE = "99999999999999999999"


def english(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def staff_client(client, db):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def draft_program(db):
    return ProgramFactory()


def test_a_bulk_action_acts_on_the_real_selections_and_ignores_malformed_ones(staff_client, draft_program):
    selected = ["abc", HUGE, "\x00", "-1", str(draft_program.pk)]
    data = {"action": "make_published", "_selected_action": selected}
    response = staff_client.post(english("admin:programs_program_changelist"), data)
    assert response.status_code == 302
    draft_program.refresh_from_db()
    assert draft_program.status == ProgramStatus.PUBLISHED


def test_a_bulk_action_with_only_malformed_selections_changes_nothing(staff_client, draft_program):
    response = staff_client.post(
        english("admin:programs_program_changelist"),
        {"action": "make_published", "_selected_action": ["abc", HUGE]},
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Items must be selected in order to perform actions on them. No items have been changed."
    ]
    draft_program.refresh_from_db()
    assert draft_program.status == ProgramStatus.DRAFT


def test_a_programme_naming_a_major_that_cannot_exist_gets_the_field_message(staff_client, db):
    program = ProgramFactory()
    page = staff_client.get(english("admin:programs_program_change", program.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in {"allowed_majors"}}
    response = staff_client.post(
        english("admin:programs_program_change", program.pk), {**data, "allowed_majors": [HUGE]}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["allowed_majors"] == [f"“{HUGE}” is not a valid value."]
    assert not program.allowed_majors.exists()


@pytest.mark.parametrize("value", ["x", "\x00", HUGE])
def test_a_profile_with_a_malformed_major_is_shown_again_with_the_field_message(staff_client, value):
    candidate = CandidateFactory()
    welding = Major.objects.get(code="teknik-pengelasan")
    url = english("admin:candidates_candidateprofile_change", candidate.pk)
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    inlines = {}
    for formset in ("documents", "certificates", "language_skills"):
        inlines |= {f"{formset}-TOTAL_FORMS": "0", f"{formset}-INITIAL_FORMS": "0"}
    response = staff_client.post(url, {**data, **inlines, "major": value})
    assert response.status_code == 200
    assert "major" in response.context["adminform"].form.errors
    candidate.refresh_from_db()
    assert candidate.major == welding


CRONTAB = {"minute": "0", "hour": "7", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
TASKS_INLINE = {"periodictask_set-TOTAL_FORMS": "0", "periodictask_set-INITIAL_FORMS": "0"}


@pytest.mark.parametrize("part", ["minute", "hour", "day_of_month"])
def test_a_schedule_the_task_runner_cannot_read_is_refused_with_a_message(staff_client, part):
    from django_celery_beat.models import CrontabSchedule

    url = english("admin:django_celery_beat_crontabschedule_add")
    response = staff_client.post(url, {**CRONTAB, **TASKS_INLINE, "timezone": "Asia/Jakarta", part: "-1"})
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The task scheduler cannot read this schedule: negative numbers not supported"
    ]
    assert not CrontabSchedule.objects.exists()
    assert staff_client.post(url, {**CRONTAB, **TASKS_INLINE, "timezone": "Asia/Jakarta"}).status_code == 302
    assert CrontabSchedule.objects.get().hour == "7"


def test_a_stored_schedule_the_task_runner_cannot_read_still_lists(staff_client):
    from django_celery_beat.models import CrontabSchedule

    schedule = CrontabSchedule.objects.create(**{**CRONTAB, "hour": "-1"})
    assert staff_client.get(english("admin:django_celery_beat_crontabschedule_changelist")).status_code == 200
    url = english("admin:django_celery_beat_crontabschedule_change", schedule.pk)
    assert staff_client.get(url).status_code == 200


def test_a_partner_website_typed_without_a_scheme_is_read_as_https(client, db, recwarn):
    client.force_login(StaffFactory())
    with translation.override("en"):
        page = client.get(reverse("admin:programs_partner_add"))
    assert page.status_code == 200
    website = page.context["adminform"].form.fields["website"]
    assert website.clean("bpsdmi.kemenperin.go.id") == "https://bpsdmi.kemenperin.go.id"
    assert not [warning for warning in recwarn.list if "assume_scheme" in str(warning.message)]
