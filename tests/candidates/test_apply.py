"""Applying: every rule shown with what is missing, one application per programme, withdraw."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from candidates import services
from candidates.consent import CONSENT_VERSION
from candidates.models import Application, ApplicationEvent, Stage
from p2mi_portal.errors import Conflict
from programs.models import Program
from tests.accounts.factories import UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def test_apply_page_shows_every_rule_and_what_is_missing(candidate_client, complete_profile, open_program):
    page = candidate_client.get(url("candidates:apply", open_program.code)).content.decode()
    assert 'data-rule="profile"' in page
    for rule in ("education", "major", "graduation_year", "age", "average_grade", "documents"):
        assert f'data-rule="{rule}"' in page
    assert "Still to upload (or to replace, if rejected): Diploma (ijazah), Identity card (KTP)." in page
    assert "Submit application" not in page


def test_apply_page_in_indonesian(candidate_client, complete_profile, open_program):
    page = candidate_client.get(url("candidates:apply", open_program.code, language="id")).content.decode()
    assert '<html lang="id">' in page
    assert "Ijazah" in page


def test_unmet_rules_say_why(candidate_client, complete_profile, open_program):
    complete_profile.average_grade = 70
    complete_profile.graduation_year = 2019
    complete_profile.save()
    page = candidate_client.get(url("candidates:apply", open_program.code)).content.decode()
    assert "Your average grade is 70." in page
    assert "You graduated in 2019." in page


def test_eligible_candidate_applies(candidate_client, eligible_candidate, open_program):
    track = open_program.tracks.get(name="Rusia")
    page = candidate_client.get(url("candidates:apply", open_program.code)).content.decode()
    assert "Submit application" in page
    response = candidate_client.post(
        url("candidates:apply", open_program.code), {"track": track.pk, "consent": "on"}
    )
    assert response.status_code == 302 and response["Location"] == url("candidates:home")
    application = Application.objects.get(candidate=eligible_candidate, program=open_program)
    assert application.stage == Stage.SUBMITTED
    assert application.preferred_track == track
    assert application.consent_version == CONSENT_VERSION
    assert abs(application.consent_given_at - timezone.now()) < datetime.timedelta(minutes=1)
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_stage, event.to_stage, event.actor) == ("", Stage.SUBMITTED, eligible_candidate.user)
    home = candidate_client.get(url("candidates:home")).content.decode()
    assert open_program.title in home and "Submitted" in home


def test_applying_twice_gives_a_friendly_answer_and_one_application(
    candidate_client, eligible_candidate, open_program
):
    track = open_program.tracks.first()
    for _ in range(2):
        response = candidate_client.post(
            url("candidates:apply", open_program.code), {"track": track.pk, "consent": "on"}, follow=True
        )
        assert response.status_code == 200
    assert "You have already applied to this programme." in response.content.decode()
    assert Application.objects.filter(candidate=eligible_candidate).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"consent": "on"}, "This field is required."),
        ({"track": "999999", "consent": "on"}, "Choose one of this programme"),
        ({"track": "abc", "consent": "on"}, "Choose one of this programme"),
        ({}, "You must agree to the processing of your personal data to apply."),
    ],
)
def test_bad_applications_are_refused(candidate_client, eligible_candidate, open_program, data, message):
    if "track" not in data and "consent" not in data:
        data = {"track": open_program.tracks.first().pk}
    response = candidate_client.post(url("candidates:apply", open_program.code), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_another_programmes_track_is_refused(candidate_client, eligible_candidate, open_program):
    other = ProgramFactory(code="lain")
    response = candidate_client.post(
        url("candidates:apply", open_program.code), {"track": other.tracks.get().pk, "consent": "on"}
    )
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_ineligible_candidates_cannot_submit(candidate_client, complete_profile, open_program):
    response = candidate_client.post(
        url("candidates:apply", open_program.code), {"track": open_program.tracks.first().pk, "consent": "on"}
    )
    assert response.status_code == 200
    assert "You do not meet every rule of this programme yet" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(5, 30, "Recruitment opens on"), (-40, -1, "Recruitment for this programme is closed.")],
)
def test_applications_only_while_recruitment_is_open(
    candidate_client, eligible_candidate, open_program, opens, closes, message
):
    today = timezone.localdate()
    Program.objects.filter(pk=open_program.pk).update(
        recruitment_opens=today + datetime.timedelta(days=opens),
        recruitment_closes=today + datetime.timedelta(days=closes),
    )
    page = candidate_client.get(url("candidates:apply", open_program.code)).content.decode()
    assert message in page
    response = candidate_client.post(
        url("candidates:apply", open_program.code), {"track": open_program.tracks.first().pk, "consent": "on"}
    )
    assert "Recruitment for this programme is not open." in response.content.decode()
    assert not Application.objects.exists()


def test_recruitment_window_is_counted_in_wib(eligible_candidate, open_program, monkeypatch):
    # 23:30 UTC on the closing day is already the next day in Jakarta (UTC+7).
    closing = open_program.recruitment_closes
    late = datetime.datetime.combine(closing, datetime.time(23, 30), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    with pytest.raises(Conflict):
        services.application_submit(
            candidate=eligible_candidate,
            program=open_program,
            track=open_program.tracks.first(),
            consent=True,
        )


def test_unpublished_programmes_cannot_be_applied_to(candidate_client, eligible_candidate):
    draft = ProgramFactory(code="draf")
    assert candidate_client.get(url("candidates:apply", draft.code)).status_code == 404
    assert candidate_client.post(url("candidates:apply", "tidak-ada"), {}).status_code == 404


def test_withdraw_with_a_reason(candidate_client, eligible_candidate, open_program):
    application = services.application_submit(
        candidate=eligible_candidate, program=open_program, track=open_program.tracks.first(), consent=True
    )
    response = candidate_client.post(
        url("candidates:withdraw", application.pk), {"reason": "Diterima kerja di Batam"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.WITHDRAWN
    event = application.events.last()
    assert (event.from_stage, event.to_stage, event.reason) == (
        Stage.SUBMITTED,
        Stage.WITHDRAWN,
        "Diterima kerja di Batam",
    )
    home = candidate_client.get(url("candidates:home")).content.decode()
    assert "Diterima kerja di Batam" in home
    # A second withdrawal is refused with a message, not an error.
    response = candidate_client.post(url("candidates:withdraw", application.pk), {}, follow=True)
    assert "is already at" in response.content.decode()
    assert application.events.count() == 2


def test_nobody_withdraws_someone_elses_application(client, eligible_candidate, open_program):
    application = services.application_submit(
        candidate=eligible_candidate, program=open_program, track=open_program.tracks.first(), consent=True
    )
    client.force_login(UserFactory(email="lain@contoh.id"))
    assert client.post(url("candidates:withdraw", application.pk)).status_code == 404
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED


def test_programme_page_links_to_apply_while_open(client, open_program):
    page = client.get(url("programs:detail", open_program.code)).content.decode()
    assert url("candidates:apply", open_program.code) in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_give_one_application(eligible_candidate, open_program):
    track = open_program.tracks.first()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait()
            services.application_submit(
                candidate=eligible_candidate, program=open_program, track=track, consent=True
            )
            outcomes.append("created")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_applied", "created"]
    assert Application.objects.filter(candidate=eligible_candidate, program=open_program).count() == 1
    assert ApplicationEvent.objects.count() == 1
