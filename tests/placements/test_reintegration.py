"""Return and reintegration: the worker's wish and the referrals to partner ministries' programmes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from p2mi_portal.errors import Conflict, DomainError
from placements import services
from placements.models import Referral, ReferralKind, ReferralOutcome, ReintegrationWish
from programs.models import PartnerKind
from tests.programs.factories import PartnerFactory

from .conftest import DAY, move


def refused(exc_type, call, **kwargs) -> DomainError:
    with pytest.raises(exc_type) as caught:
        call(**kwargs)
    return caught.value


def day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# --- The wish ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wish", [ReintegrationWish.BUSINESS, ReintegrationWish.STRATEGIC_JOB, ReintegrationWish.NONE]
)
def test_staff_record_what_the_returned_worker_wants(returned, staff, wish):
    recorded = services.placement_record_wish(placement=returned, wish=wish, actor=staff)
    recorded.refresh_from_db()
    assert recorded.reintegration_wish == wish


@pytest.mark.parametrize("fixture", ["placement", "working"])
def test_the_wish_waits_for_the_return(request, staff, fixture):
    placement = request.getfixturevalue(fixture)
    error = refused(
        Conflict,
        services.placement_record_wish,
        placement=placement,
        wish=ReintegrationWish.BUSINESS,
        actor=staff,
    )
    assert (error.code, error.message) == ("not_returned", "Record the worker's return first.")


def test_a_worker_who_never_departed_has_no_return_to_record(placement, staff):
    move(placement, "terminated", staff, days_ago=0, reason="Visa ditolak")
    placement.refresh_from_db()
    error = refused(
        Conflict,
        services.placement_record_wish,
        placement=placement,
        wish=ReintegrationWish.BUSINESS,
        actor=staff,
    )
    assert error.code == "not_returned"


@pytest.mark.parametrize("wish", ["", "holiday"])
def test_an_unknown_or_empty_wish_is_refused(returned, staff, wish):
    error = refused(DomainError, services.placement_record_wish, placement=returned, wish=wish, actor=staff)
    assert error.fields == {"reintegration_wish": ["Choose what the worker wants from the list."]}


def test_partners_cannot_record_the_wish(returned, partner_user):
    error = refused(
        DomainError, services.placement_record_wish, placement=returned, wish="business", actor=partner_user
    )
    assert (error.code, error.message) == ("forbidden", "Only ministry staff can do this.")


# --- Referrals ------------------------------------------------------------------------------


@pytest.fixture
def wants_business(returned, staff):
    return services.placement_record_wish(placement=returned, wish=ReintegrationWish.BUSINESS, actor=staff)


def test_a_returned_worker_is_referred_to_the_matching_programme(wants_business, staff):
    kemenkop = PartnerFactory(
        name="Kementerian Koperasi dan UKM", kind=PartnerKind.GOVERNMENT_AGENCY, country="ID"
    )
    referral = services.referral_create(
        placement=wants_business,
        kind=ReferralKind.BUSINESS_SUPPORT,
        actor=staff,
        referred_on=ago(5),
        partner=kemenkop,
        note="  Usaha bengkel las  ",
    )
    referral.refresh_from_db()
    assert (referral.kind, referral.partner, referral.referred_on, referral.note, referral.created_by) == (
        ReferralKind.BUSINESS_SUPPORT,
        kemenkop,
        ago(5),
        "Usaha bengkel las",
        staff,
    )
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.PENDING, None)


def test_a_worker_who_wants_a_strategic_job_may_be_referred_to_both_projects(returned, staff):
    services.placement_record_wish(placement=returned, wish=ReintegrationWish.STRATEGIC_JOB, actor=staff)
    for kind in (ReferralKind.ENERGY_PROJECT, ReferralKind.INDUSTRY_PROJECT):
        services.referral_create(placement=returned, kind=kind, actor=staff)
    assert Referral.objects.filter(placement=returned).count() == 2


def test_a_referral_before_the_return_is_refused(working, staff):
    error = refused(
        Conflict, services.referral_create, placement=working, kind=ReferralKind.BUSINESS_SUPPORT, actor=staff
    )
    assert (error.code, error.message) == ("not_returned", "Only a worker who has returned can be referred.")
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("wish", "kind", "wish_label", "wanted_label"),
    [
        (
            ReintegrationWish.BUSINESS,
            ReferralKind.ENERGY_PROJECT,
            "Business support (micro-business, UMKM)",
            "A job on a national strategic project",
        ),
        (
            ReintegrationWish.STRATEGIC_JOB,
            ReferralKind.BUSINESS_SUPPORT,
            "A job on a national strategic project",
            "Business support (micro-business, UMKM)",
        ),
        (
            ReintegrationWish.NONE,
            ReferralKind.INDUSTRY_PROJECT,
            "No support wanted",
            "A job on a national strategic project",
        ),
        (
            ReintegrationWish.UNDECIDED,
            ReferralKind.BUSINESS_SUPPORT,
            "Not asked yet",
            "Business support (micro-business, UMKM)",
        ),
    ],
    ids=["business-to-energy", "job-to-business", "none", "undecided"],
)
def test_a_referral_that_does_not_match_the_wish_is_refused(
    returned, staff, wish, kind, wish_label, wanted_label
):
    if wish:
        services.placement_record_wish(placement=returned, wish=wish, actor=staff)
    error = refused(Conflict, services.referral_create, placement=returned, kind=kind, actor=staff)
    assert error.code == "wish_mismatch"
    assert error.message == (
        f"The worker's recorded wish is “{wish_label}”; "
        f"this referral is for someone who wants “{wanted_label}”."
    )
    assert not Referral.objects.exists()


def test_an_unknown_programme_is_refused(wants_business, staff):
    error = refused(
        DomainError, services.referral_create, placement=wants_business, kind="tourism", actor=staff
    )
    assert error.fields == {"kind": ["Choose a programme from the list."]}


def test_the_same_programme_twice_is_refused(wants_business, staff):
    services.referral_create(placement=wants_business, kind=ReferralKind.BUSINESS_SUPPORT, actor=staff)
    error = refused(
        Conflict,
        services.referral_create,
        placement=wants_business,
        kind=ReferralKind.BUSINESS_SUPPORT,
        actor=staff,
    )
    assert (error.code, error.message) == (
        "already_referred",
        "The worker is already referred to this programme.",
    )
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("when", ["before-return", "future"])
def test_a_referral_date_outside_return_to_today_is_refused(wants_business, staff, when):
    referred_on = wants_business.returned_on - DAY if when == "before-return" else ago(-1)
    error = refused(
        DomainError,
        services.referral_create,
        placement=wants_business,
        kind=ReferralKind.BUSINESS_SUPPORT,
        actor=staff,
        referred_on=referred_on,
    )
    assert error.fields == {
        "referred_on": [
            f"The referral date must be between the return ({day(wants_business.returned_on)}) and today."
        ]
    }


def test_the_referral_may_be_dated_on_the_day_of_return(wants_business, staff):
    referral = services.referral_create(
        placement=wants_business,
        kind=ReferralKind.BUSINESS_SUPPORT,
        actor=staff,
        referred_on=wants_business.returned_on,
    )
    assert referral.referred_on == wants_business.returned_on


def test_partners_cannot_refer(wants_business, partner_user):
    error = refused(
        DomainError,
        services.referral_create,
        placement=wants_business,
        kind="business_support",
        actor=partner_user,
    )
    assert error.code == "forbidden"


# --- Outcomes -------------------------------------------------------------------------------


@pytest.fixture
def referral(wants_business, staff):
    return services.referral_create(
        placement=wants_business, kind=ReferralKind.BUSINESS_SUPPORT, actor=staff, referred_on=ago(8)
    )


def test_the_outcome_is_recorded_with_its_date(referral, staff):
    recorded = services.referral_record_outcome(
        referral=referral, outcome=ReferralOutcome.ACCEPTED, actor=staff, outcome_on=ago(8), note=" Diterima "
    )
    recorded.refresh_from_db()
    assert (recorded.outcome, recorded.outcome_on, recorded.outcome_note) == ("accepted", ago(8), "Diterima")
    later = services.referral_record_outcome(
        referral=referral, outcome=ReferralOutcome.SUCCEEDED, actor=staff
    )
    assert (later.outcome, later.outcome_on) == ("succeeded", timezone.localdate())


def test_an_outcome_dated_before_the_referral_is_refused(referral, staff):
    error = refused(
        DomainError,
        services.referral_record_outcome,
        referral=referral,
        outcome=ReferralOutcome.DECLINED,
        actor=staff,
        outcome_on=ago(9),
    )
    assert error.fields == {
        "outcome_on": [f"The outcome date must be between the referral ({day(ago(8))}) and today."]
    }
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.PENDING, None)


def test_an_outcome_dated_in_the_future_is_refused(referral, staff):
    error = refused(
        DomainError,
        services.referral_record_outcome,
        referral=referral,
        outcome=ReferralOutcome.DECLINED,
        actor=staff,
        outcome_on=ago(-1),
    )
    assert "outcome_on" in error.fields


@pytest.mark.parametrize("outcome", ["pending", "maybe", ""])
def test_pending_or_unknown_outcomes_are_refused(referral, staff, outcome):
    error = refused(
        DomainError, services.referral_record_outcome, referral=referral, outcome=outcome, actor=staff
    )
    assert error.fields == {"outcome": ["Choose an outcome from the list."]}


def test_partners_cannot_record_an_outcome(referral, partner_user):
    error = refused(
        DomainError,
        services.referral_record_outcome,
        referral=referral,
        outcome="accepted",
        actor=partner_user,
    )
    assert error.code == "forbidden"
