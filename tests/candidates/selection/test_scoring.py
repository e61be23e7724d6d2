"""Scores per rubric criterion, the weighted total, the rank and the shortlist proposal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from candidates import selectors, services
from candidates.models import Application, Score, Stage
from p2mi_portal.errors import Conflict, DomainError
from programs.models import ScoreCriterion
from tests.candidates.factories import application_at
from tests.programs.factories import ProgramFactory


def _criteria(program) -> list[ScoreCriterion]:
    return list(program.criteria.order_by("order"))


def _score(application, staff, values):
    criteria = _criteria(application.program)
    return services.application_scores_set(
        application=application,
        scores=dict(zip([c.pk for c in criteria], values, strict=False)),
        scorer=staff,
    )


def test_the_total_is_the_weighted_sum_and_the_scorer_is_kept(program, staff):
    application = application_at(Stage.INTERVIEWED, program=program)
    _score(application, staff, ["80", "70", "90", "60"])
    application.refresh_from_db()
    # 80×10% + 70×20% + 90×40% + 60×30% = 8 + 14 + 36 + 18
    assert application.score_total == Decimal("76.00")
    assert set(Score.objects.filter(application=application).values_list("scorer", flat=True)) == {staff.pk}


def test_unscored_criteria_count_as_zero_and_clearing_a_score_updates_the_total(program, staff):
    application = application_at(Stage.INTERVIEWED, program=program)
    criteria = _criteria(program)
    services.application_scores_set(application=application, scores={criteria[2].pk: "50"}, scorer=staff)
    application.refresh_from_db()
    assert application.score_total == Decimal("20.00")
    services.application_scores_set(
        application=application, scores={criteria[0].pk: "100", criteria[2].pk: None}, scorer=staff
    )
    application.refresh_from_db()
    assert application.score_total == Decimal("10.00")
    assert Score.objects.filter(application=application).count() == 1


@pytest.mark.parametrize("value", ["101", "-1", "abc", "NaN", "Infinity"])
def test_a_score_outside_0_to_100_is_refused_and_nothing_is_saved(program, staff, value):
    application = application_at(Stage.INTERVIEWED, program=program)
    criteria = _criteria(program)
    with pytest.raises(DomainError) as refused:
        services.application_scores_set(
            application=application, scores={criteria[0].pk: "90", criteria[1].pk: value}, scorer=staff
        )
    assert f"criterion_{criteria[1].pk}" in refused.value.fields
    assert not Score.objects.exists()
    application.refresh_from_db()
    assert application.score_total is None


def test_a_criterion_of_another_programme_is_refused(program, staff):
    other = ProgramFactory()
    foreign = ScoreCriterion.objects.create(program=other, name="Lain", weight=100)
    application = application_at(Stage.INTERVIEWED, program=program)
    with pytest.raises(DomainError):
        services.application_scores_set(application=application, scores={foreign.pk: "50"}, scorer=staff)
    assert not Score.objects.exists()


def test_only_staff_score(program, partner_user):
    application = application_at(Stage.INTERVIEWED, program=program)
    with pytest.raises(DomainError) as refused:
        _score(application, partner_user, ["80", "80", "80", "80"])
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError):
        _score(application, application.candidate.user, ["80", "80", "80", "80"])


def test_a_closed_application_is_no_longer_scored(program, staff):
    application = application_at(Stage.REJECTED, program=program)
    with pytest.raises(Conflict):
        _score(application, staff, ["80", "80", "80", "80"])


def test_rank_counts_against_the_whole_programme(program, staff):
    best = application_at(Stage.INTERVIEWED, program=program, score_total=Decimal("90"))
    tied_a = application_at(Stage.SHORTLISTED, program=program, score_total=Decimal("80"))
    tied_b = application_at(Stage.INTERVIEWED, program=program, score_total=Decimal("80"))
    last = application_at(Stage.INTERVIEWED, program=program, score_total=Decimal("50"))
    unscored = application_at(Stage.INTERVIEWED, program=program)
    # Finished applications no longer compete.
    application_at(Stage.REJECTED, program=program, score_total=Decimal("99"))
    # Another programme's applications do not count.
    application_at(Stage.INTERVIEWED, program=ProgramFactory(), score_total=Decimal("100"))

    ranks = dict(selectors.with_rank(Application.objects.filter(program=program)).values_list("pk", "rank"))
    assert ranks[best.pk] == 1
    assert ranks[tied_a.pk] == ranks[tied_b.pk] == 2
    assert ranks[last.pk] == 4
    assert ranks[unscored.pk] is None
    # Filtering the list does not change a rank.
    filtered = selectors.with_rank(Application.objects.filter(program=program, stage=Stage.INTERVIEWED))
    assert dict(filtered.values_list("pk", "rank"))[last.pk] == 4


def test_the_shortlist_proposal_ranks_verified_applications_and_proposes_twice_the_seats(program):
    program.total_seats = 2
    scores = ["70", "95", None, "88", "60", "91"]
    applications = [
        application_at(
            Stage.DOCUMENTS_VERIFIED,
            program=program,
            score_total=Decimal(score) if score else None,
        )
        for score in scores
    ]
    application_at(Stage.SCREENING, program=program, score_total=Decimal("100"))
    proposal, proposed = selectors.shortlist_proposal(program=program)
    assert [a.score_total for a in proposal] == [
        Decimal("95"),
        Decimal("91"),
        Decimal("88"),
        Decimal("70"),
        Decimal("60"),
        None,
    ]
    assert proposed == 4
    assert {a.pk for a in proposal} == {a.pk for a in applications}
    _, proposed = selectors.shortlist_proposal(program=program, size=50)
    assert proposed == 6
