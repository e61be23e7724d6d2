"""The partner REST API end to end: keys, scope, lists and cursors, details and the access log,
document downloads, reviews, stage moves, languages, throttling, the schema.

Every test goes through HTTP with DRF's test client, as a partner's HR system would.
"""

from __future__ import annotations

import base64
import datetime
import zoneinfo
from decimal import Decimal
from urllib.parse import urlencode

import orjson
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from accounts.api_auth import PartnerKeyThrottle
from accounts.models import PartnerAPIKey
from candidates.models import (
    Application,
    ApplicationEvent,
    CompetencyCertificate,
    Document,
    DocumentStatus,
    Interview,
    LanguageSkill,
    PersonalDataAccess,
    Review,
    Score,
    Stage,
)
from programs.models import DocumentKind, Major, PlacementTrack, ProgramStatus, ScoreCriterion
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.files import pdf_bytes
from tests.programs.factories import PartnerFactory, ProgramFactory

from .conftest import key_client

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")

LIST_URL = "/api/v1/applications/"
PROGRAMS_URL = "/api/v1/programs/"
MISSING_ID = 987_654_321


# --- Helpers -----------------------------------------------------------------------


def error_of(response, status: int) -> dict:
    """The ``error`` object of a refusal, after checking the status and the shared shape."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    for name, messages in error["fields"].items():
        assert isinstance(name, str)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)
    return error


def detail_url(application_id: int) -> str:
    return reverse("api:application-detail", args=[application_id])


def document_url(application_id: int, document_id: int) -> str:
    return reverse("api:application-document", args=[application_id, document_id])


def reviews_url(application_id: int) -> str:
    return reverse("api:application-reviews", args=[application_id])


def transition_url(application_id: int) -> str:
    return reverse("api:application-transition", args=[application_id])


def program_url(code: str) -> str:
    return reverse("api:program-detail", args=[code])


def list_ids(client: APIClient, **params) -> list[int]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content[:500]
    return [row["id"] for row in response.json()["results"]]


def walk(client: APIClient, **params) -> list[int]:
    """Follow ``next`` from the first page to the last; every id in the order served."""
    url = f"{LIST_URL}?{urlencode(params)}"
    ids: list[int] = []
    for _page in range(100):
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        results = body["results"]
        assert len(results) <= params["page_size"]
        ids += [row["id"] for row in results]
        url = body["next"]
        if url is None:
            return ids
        assert len(results) == params["page_size"], "a page with a next link must be full"
    pytest.fail(f"the cursor walk never ended; ids so far: {ids}")


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def in_indonesian(message: str) -> str:
    """The Indonesian catalogue's text, checked to be a real translation."""
    with translation.override("id"):
        translated = gettext(message)
    assert translated != message, f"no Indonesian translation for {message!r}"
    return translated


def wib(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=WIB)


@pytest.fixture
def client_500():
    """A client that answers a server error with its response instead of re-raising it."""

    def make(key: str | None = None) -> APIClient:
        client = APIClient(raise_request_exception=False)
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def tracks(program):
    return list(program.tracks.order_by("id"))


@pytest.fixture
def other_program(db):
    """Another employer's programme, in selection like ours."""
    return ProgramFactory(code="mitra-lain-2026", status=ProgramStatus.SELECTION)


@pytest.fixture
def diploma(visible_application):
    """The visible application's diploma, with a real file behind it."""
    document = Document.objects.get(candidate=visible_application.candidate, kind=DocumentKind.DIPLOMA)
    document.file.save("ijazah.pdf", ContentFile(pdf_bytes()))
    return document


# --- 1. Authentication ----------------------------------------------------------------


def test_no_key_is_401_with_a_challenge(db):
    response = APIClient().get(LIST_URL)
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key wrong.key",
        "Api-Key nodotinthiskey",
        "Api-Key ",
        "Api-Key " + "a" * 50 + "." + "b" * 60,
        "Bearer x",
        "api-key lowercase.keyword",
        "Basic dXNlcjpwYXNz",
    ],
    ids=["unknown", "no-dot", "empty", "too-long", "bearer", "lowercase-keyword", "basic"],
)
def test_a_malformed_or_unknown_credential_is_401(db, header, visible_application):
    client = APIClient()
    response = client.get(LIST_URL, HTTP_AUTHORIZATION=header)
    error = error_of(response, 401)
    assert error["code"] in {"invalid_key", "not_authenticated"}
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "results" not in response.json()


def test_a_key_with_a_changed_prefix_or_secret_is_401(api_key, visible_application):
    prefix, _dot, secret = api_key.partition(".")
    for forged in (f"XXXXXXXX.{secret}", f"{prefix}.{secret[:-1]}Z", f"{prefix}.", f"{prefix}x.{secret}"):
        error = error_of(key_client(forged).get(LIST_URL), 401)
        assert error["code"] == "invalid_key", forged
    # The real key still works: the refusals above are about the forgeries.
    assert key_client(api_key).get(LIST_URL).status_code == 200


def test_a_revoked_key_is_401(revoked_key, visible_application):
    error = error_of(key_client(revoked_key).get(LIST_URL), 401)
    assert error["code"] == "invalid_key"


def test_an_expired_key_is_401_and_says_so(expired_key, visible_application):
    response = key_client(expired_key).get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")
    error = error_of(response, 401)
    assert error["code"] == "invalid_key"
    assert error["message"] == "The API key has expired."


def test_the_key_of_a_deactivated_user_is_401(api_key, partner_user, visible_application):
    partner_user.is_active = False
    partner_user.save(update_fields=["is_active"])
    error = error_of(key_client(api_key).get(LIST_URL), 401)
    assert error["code"] == "invalid_key"


@pytest.mark.parametrize("who", ["candidate", "staff", "partner"])
def test_a_browser_session_is_not_an_api_credential(who, partner_user, visible_application):
    user = {
        "candidate": lambda: visible_application.candidate.user,
        "staff": lambda: StaffFactory(is_superuser=True),
        "partner": lambda: partner_user,
    }[who]()
    client = APIClient()
    client.force_login(user)
    for url in (LIST_URL, detail_url(visible_application.pk), PROGRAMS_URL):
        response = client.get(url)
        error = error_of(response, 401)
        assert error["code"] == "not_authenticated"
    response = client.post(reviews_url(visible_application.pk), {"score": 90, "recommendation": "recommend"})
    error_of(response, 401)
    assert not Review.objects.exists()


def test_a_valid_key_opens_the_api(api_client, visible_application):
    response = api_client.get(LIST_URL)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [visible_application.pk]


# --- 2. Scope: another partner's objects are missing objects ------------------------------------


def test_another_partner_sees_our_application_exactly_as_a_missing_one(
    api_client, other_partner_key, visible_application, diploma
):
    outsider = key_client(other_partner_key)
    app_id = visible_application.pk
    cases = [
        ("get", detail_url(app_id), detail_url(MISSING_ID), None),
        ("get", document_url(app_id, diploma.pk), document_url(MISSING_ID, diploma.pk), None),
        (
            "post",
            reviews_url(app_id),
            reviews_url(MISSING_ID),
            {"score": 90, "recommendation": "recommend"},
        ),
        ("post", transition_url(app_id), transition_url(MISSING_ID), {"to": "shortlisted"}),
        # An invalid body does not reveal the application either: scope is checked first.
        ("post", reviews_url(app_id), reviews_url(MISSING_ID), {"score": 900}),
        ("post", transition_url(app_id), transition_url(MISSING_ID), {"to": "nowhere"}),
    ]
    for method, ours, missing, body in cases:
        kwargs = {"format": "json"} if method == "post" else {}
        theirs = getattr(outsider, method)(ours, body, **kwargs)
        nothing = getattr(api_client, method)(missing, body, **kwargs)
        error = error_of(theirs, 404)
        assert error["code"] == "not_found"
        assert nothing.status_code == 404
        assert theirs.content == nothing.content, (method, ours)
    # Nothing was written, nothing logged as read.
    assert not Review.objects.exists()
    assert not ApplicationEvent.objects.exists()
    assert not PersonalDataAccess.objects.exists()
    visible_application.refresh_from_db()
    assert visible_application.stage == Stage.DOCUMENTS_VERIFIED


def test_another_partner_sees_our_programme_as_a_missing_one(program, other_partner_key, api_client):
    outsider = key_client(other_partner_key)
    theirs = outsider.get(program_url(program.code))
    error = error_of(theirs, 404)
    assert error["code"] == "not_found"
    assert theirs.content == api_client.get(program_url("tidak-ada-program")).content
    assert api_client.get(program_url(program.code)).status_code == 200


def test_another_partner_lists_nothing_of_ours(program, other_partner_key, visible_application):
    application_at(Stage.SHORTLISTED, program=program)
    outsider = key_client(other_partner_key)
    response = outsider.get(LIST_URL)
    assert response.status_code == 200
    assert response.json() == {"next": None, "results": []}
    # Not even when asking for our programme by its code.
    assert list_ids(outsider, program=program.code) == []
    assert outsider.get(PROGRAMS_URL).json() == {"results": []}


@pytest.mark.parametrize("stage", [Stage.SUBMITTED, Stage.SCREENING, Stage.INELIGIBLE])
def test_an_application_before_documents_verified_is_missing(api_client, program, stage, client_500):
    early = application_at(stage, program=program)
    document = Document.objects.filter(candidate=early.candidate).first()
    pairs = [
        ("get", detail_url(early.pk), detail_url(MISSING_ID), None),
        ("get", document_url(early.pk, document.pk), document_url(MISSING_ID, document.pk), None),
        ("post", reviews_url(early.pk), reviews_url(MISSING_ID), {"score": 1, "recommendation": "neutral"}),
        ("post", transition_url(early.pk), transition_url(MISSING_ID), {"to": "documents_verified"}),
    ]
    for method, url, missing, body in pairs:
        kwargs = {"format": "json"} if method == "post" else {}
        response = getattr(api_client, method)(url, body, **kwargs)
        error_of(response, 404)
        assert response.content == getattr(api_client, method)(missing, body, **kwargs).content
    assert list_ids(api_client) == []
    assert not Review.objects.exists()
    early.refresh_from_db()
    assert early.stage == stage


def test_programmes_are_ours_and_out_of_draft_with_tracks_and_seats(api_client, rusal, program, tracks):
    ProgramFactory(employer=rusal, code="rusal-draf-2027", status=ProgramStatus.DRAFT)
    published = ProgramFactory(employer=rusal, code="rusal-terbit-2027", status=ProgramStatus.PUBLISHED)
    ProgramFactory(code="mitra-lain-2026", status=ProgramStatus.SELECTION)
    application_at(Stage.OFFERED, program=program, track=tracks[0])
    application_at(Stage.OFFERED, program=program, track=tracks[0])
    application_at(Stage.ACCEPTED, program=program, track=tracks[1])

    response = api_client.get(PROGRAMS_URL)
    assert response.status_code == 200
    programs = {item["code"]: item for item in response.json()["results"]}
    assert set(programs) == {program.code, published.code}

    ours = programs[program.code]
    assert ours["status"] == ProgramStatus.SELECTION
    assert ours["total_seats"] == 50
    assert [track["name"] for track in ours["tracks"]] == ["Rusia", "Indonesia — proyek Rusia"]
    russia, indonesia = ours["tracks"]
    assert russia == {
        "id": tracks[0].pk,
        "name": "Rusia",
        "name_en": "",
        "country": "RU",
        "seats": 25,
        "seats_reserved": 2,
        "seats_taken": 0,
        "seats_free": 23,
    }
    assert (indonesia["seats_reserved"], indonesia["seats_taken"], indonesia["seats_free"]) == (0, 1, 24)

    detail = api_client.get(program_url(program.code))
    assert detail.status_code == 200
    assert detail.json() == ours
    error_of(api_client.get(program_url("rusal-draf-2027")), 404)


# --- 3. The list: filters, ordering, cursor, bad parameters ----------------------------------------


@pytest.fixture
def mixed(program, rusal, tracks, other_program):
    """Applications of every kind the filters tell apart, and some the partner must never see."""
    welding = Major.objects.get(code="teknik-pengelasan")
    machining = Major.objects.get(code="teknik-pemesinan")
    second = ProgramFactory(employer=rusal, code="rusal-kedua-2026", status=ProgramStatus.SELECTION)
    made = {
        "budi": application_at(
            Stage.DOCUMENTS_VERIFIED,
            program=program,
            candidate=CandidateFactory(full_name="Budi Santoso", province_id="31", major=welding),
            score_total=Decimal("88.00"),
        ),
        "siti": application_at(
            Stage.SHORTLISTED,
            program=program,
            candidate=CandidateFactory(full_name="Siti Aminah", province_id="32", major=machining),
            score_total=Decimal("70.50"),
        ),
        "agus": application_at(
            Stage.OFFERED,
            program=program,
            track=tracks[1],
            candidate=CandidateFactory(full_name="Agus Salim", province_id="33", major=welding),
        ),
        "dewi": application_at(
            Stage.DOCUMENTS_VERIFIED,
            program=second,
            candidate=CandidateFactory(full_name="Dewi BUDIarti", province_id="31", major=machining),
            score_total=Decimal("95.25"),
        ),
    }
    # Never listed: too early, or another employer's.
    application_at(
        Stage.SCREENING,
        program=program,
        candidate=CandidateFactory(full_name="Budi Awal", province_id="31"),
        score_total=Decimal("99"),
    )
    application_at(
        Stage.DOCUMENTS_VERIFIED,
        program=other_program,
        candidate=CandidateFactory(full_name="Budi Asing", province_id="31"),
        score_total=Decimal("99"),
    )
    return {name: application.pk for name, application in made.items()} | {"second": second.code}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"budi", "siti", "agus", "dewi"}),
        ({"program": "rusal-smk-go-global-2026"}, {"budi", "siti", "agus"}),
        ({"program": "rusal-kedua-2026"}, {"dewi"}),
        ({"program": "mitra-lain-2026"}, set()),
        ({"program": "tidak-ada"}, set()),
        ({"stage": "shortlisted"}, {"siti"}),
        ({"stage": "documents_verified"}, {"budi", "dewi"}),
        ({"stage": "offered"}, {"agus"}),
        ({"province": "31"}, {"budi", "dewi"}),
        ({"province": "33"}, {"agus"}),
        ({"major": "teknik-pemesinan"}, {"siti", "dewi"}),
        ({"min_score": "88"}, {"budi", "dewi"}),
        ({"min_score": "88.01"}, {"dewi"}),
        ({"min_score": "0"}, {"budi", "siti", "dewi"}),
        ({"search": "budi"}, {"budi", "dewi"}),
        ({"search": "SALIM"}, {"agus"}),
        ({"search": "tidak ada"}, set()),
        ({"program": "rusal-smk-go-global-2026", "province": "31"}, {"budi"}),
        ({"major": "teknik-pengelasan", "min_score": "50"}, {"budi"}),
    ],
)
def test_each_filter_narrows_the_list(api_client, mixed, params, expected):
    assert set(list_ids(api_client, **params)) == {mixed[name] for name in expected}


def test_the_track_filter_selects_the_assigned_track_else_the_preferred_one(api_client, mixed, tracks):
    # Agus is offered a seat on the second track; Budi and Siti prefer the first and have none yet.
    assert list_ids(api_client, track=tracks[1].pk) == [mixed["agus"]]
    assert set(list_ids(api_client, track=tracks[0].pk)) == {mixed["budi"], mixed["siti"]}


def test_a_list_row_is_a_summary_without_personal_identifiers(api_client, mixed, tracks):
    response = api_client.get(LIST_URL, {"search": "Siti"})
    (row,) = response.json()["results"]
    application = Application.objects.get(pk=mixed["siti"])
    assert row == {
        "id": application.pk,
        "program": "rusal-smk-go-global-2026",
        "stage": "shortlisted",
        "preferred_track": tracks[0].pk,
        "track": None,
        "score": "70.50",
        "submitted_at": application.submitted_at.isoformat(),
        "candidate": {
            "full_name": "Siti Aminah",
            "province": "32",
            "major": "teknik-pemesinan",
            "graduation_year": 2024,
            "average_grade": "82.50",
        },
    }
    assert application.candidate.nik.encode() not in response.content


def test_ordering_by_score_puts_unscored_last_both_ways(api_client, mixed):
    assert list_ids(api_client, ordering="-score") == [
        mixed["dewi"],
        mixed["budi"],
        mixed["siti"],
        mixed["agus"],
    ]
    assert list_ids(api_client, ordering="score") == [
        mixed["siti"],
        mixed["budi"],
        mixed["dewi"],
        mixed["agus"],
    ]


def test_the_default_order_is_newest_first(api_client, program):
    base = timezone.now() - datetime.timedelta(days=3)
    ids = [
        application_at(
            Stage.DOCUMENTS_VERIFIED, program=program, submitted_at=base + datetime.timedelta(hours=h)
        ).pk
        for h in (5, 1, 9)
    ]
    newest_first = [ids[2], ids[0], ids[1]]
    assert list_ids(api_client) == newest_first
    assert list_ids(api_client, ordering="submitted_at") == newest_first[::-1]


@pytest.fixture
def keyset_rows(program):
    """Eleven applications with ties on both keys and several without a score."""
    base = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    plan = [
        (0, "80.00"),
        (1, None),
        (1, "80.00"),
        (1, "65.25"),
        (2, None),
        (3, "80.00"),
        (3, "99.99"),
        (3, None),
        (4, "65.25"),
        (5, "0.00"),
        (5, "100.00"),
    ]
    rows = []
    for minutes, score in plan:
        application = application_at(
            Stage.DOCUMENTS_VERIFIED,
            program=program,
            submitted_at=base + datetime.timedelta(minutes=minutes, microseconds=1234 if minutes % 2 else 0),
            score_total=Decimal(score) if score is not None else None,
        )
        rows.append(application)
    # A row the walk must never meet.
    application_at(Stage.SCREENING, program=program, submitted_at=base, score_total=Decimal("50"))
    return rows


def _expected_order(rows, ordering: str) -> list[int]:
    descending = ordering.startswith("-")
    sign = -1 if descending else 1
    if ordering.endswith("submitted_at"):
        return [a.pk for a in sorted(rows, key=lambda a: (a.submitted_at, a.pk), reverse=descending)]
    return [
        a.pk
        for a in sorted(
            rows,
            key=lambda a: (a.score_total is None, sign * (a.score_total or 0), sign * a.pk),
        )
    ]


@pytest.mark.parametrize("ordering", ["-submitted_at", "submitted_at", "-score", "score"])
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_the_cursor_walks_every_row_exactly_once(api_client, keyset_rows, ordering, page_size):
    ids = walk(api_client, ordering=ordering, page_size=page_size)
    assert len(ids) == len(set(ids)), f"a row was served twice: {ids}"
    assert ids == _expected_order(keyset_rows, ordering)
    # Walking in one page gives the same order.
    assert list_ids(api_client, ordering=ordering, page_size=100) == ids


def test_the_cursor_keeps_the_filters(api_client, keyset_rows):
    scored = [a for a in keyset_rows if a.score_total is not None and a.score_total >= 65]
    ids = walk(api_client, ordering="-score", page_size=2, min_score="65")
    assert ids == _expected_order(scored, "-score")


def test_the_cursor_walks_rows_stamped_by_the_database(api_client, program):
    rows = [application_at(Stage.DOCUMENTS_VERIFIED, program=program) for _ in range(5)]
    for ordering in ("-submitted_at", "submitted_at"):
        ids = walk(api_client, ordering=ordering, page_size=2)
        assert sorted(ids) == sorted(a.pk for a in rows), ordering
        assert len(ids) == len(rows), ordering


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "lots"}, "page_size"),
        ({"stage": "nowhere"}, "stage"),
        ({"stage": "screening"}, "stage"),
        ({"stage": "submitted"}, "stage"),
        ({"ordering": "full_name"}, "ordering"),
        ({"province": "3"}, "province"),
        ({"min_score": "101"}, "min_score"),
        ({"min_score": "banyak"}, "min_score"),
        ({"track": "0"}, "track"),
        ({"track": str(2**31)}, "track"),
        ({"program": "bukan slug!"}, "program"),
        ({"search": "x" * 101}, "search"),
        ({"search": "a\x00b"}, "search"),
    ],
)
def test_a_bad_list_parameter_is_400_naming_it(api_key, visible_application, params, field, client_500):
    client = client_500(api_key)
    error = error_of(client.get(LIST_URL, params), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("-submitted_at", "!!!not-base64!!!"),
        ("-submitted_at", "bm90IGpzb24"),  # "not json"
        ("-submitted_at", cursor_of({"at": "2026-01-01", "id": 1})),
        ("-submitted_at", cursor_of(["2026-01-01T00:00:00+00:00"])),
        ("-submitted_at", cursor_of(["2026-01-01T00:00:00+00:00", "1"])),
        ("-submitted_at", cursor_of(["kemarin", 1])),
        ("-submitted_at", cursor_of([None, 1])),
        ("-score", cursor_of(["banyak", 1])),
        ("-score", cursor_of([[80], 1])),
        ("score", cursor_of(["80.00", 1, 2])),
    ],
)
def test_a_garbage_cursor_is_400_invalid_cursor(api_key, visible_application, ordering, cursor, client_500):
    client = client_500(api_key)
    error = error_of(client.get(LIST_URL, {"ordering": ordering, "cursor": cursor}), 400)
    assert error["code"] == "invalid_cursor"
    assert "cursor" in error["fields"]


@pytest.mark.parametrize(
    ("ordering", "values"),
    [
        ("-score", ["NaN", 1]),
        ("score", ["Infinity", 1]),
        ("-score", ["1e999999", 1]),
        ("score", ["-5", 1]),
        ("-submitted_at", ["2026-13-45T00:00:00", 1]),
    ],
    ids=["nan", "infinity", "huge", "negative", "month-13"],
)
def test_a_crafted_cursor_is_400_not_500(api_key, visible_application, ordering, values, client_500):
    response = client_500(api_key).get(LIST_URL, {"ordering": ordering, "cursor": cursor_of(values)})
    error = error_of(response, 400)
    assert error["code"] == "invalid_cursor"


# --- 4. Query count ----------------------------------------------------------------------------


def test_a_list_page_costs_the_same_number_of_queries_for_page_size_10_50_and_100(api_client, program):
    """Required by the API's specification: the cost of a page does not grow with its size."""
    welding = Major.objects.get(code="teknik-pengelasan")
    for index in range(120):
        application_at(
            Stage.SHORTLISTED if index < 10 else Stage.DOCUMENTS_VERIFIED,
            program=program,
            candidate=CandidateFactory(major=welding),
            score_total=Decimal(index % 50) if index % 4 else None,
        )
    counts = {}
    variants = [
        {"ordering": "-submitted_at"},
        {"ordering": "-score"},
        {"ordering": "score"},
        {"ordering": "-submitted_at", "program": program.code},
        {"ordering": "-score", "program": program.code, "stage": "documents_verified"},
    ]
    # The first request reads the key; later ones find it in the cache (tested on its own).
    assert api_client.get(LIST_URL).status_code == 200
    for size in (10, 50, 100):
        for variant in variants:
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(LIST_URL, {"page_size": size, **variant})
            assert response.status_code == 200
            body = response.json()
            assert len(body["results"]) == size
            assert body["next"]
            # The second page (with a cursor) costs the same as well.
            with CaptureQueriesContext(connection) as next_queries:
                assert api_client.get(body["next"]).status_code == 200
            counts[(size, *variant.values())] = (len(queries), len(next_queries))
    assert len(set(counts.values())) == 1, counts
    first, following = next(iter(counts.values()))
    assert first == following
    assert first == 1, counts  # the page; nothing per row


# --- 5. Detail and the access log ---------------------------------------------------------------


@pytest.fixture
def rich_application(visible_application, program):
    """The visible application with everything a reviewer reads."""
    candidate = visible_application.candidate
    staff = StaffFactory(full_name="Staf Seleksi")
    CompetencyCertificate.objects.create(
        candidate=candidate,
        issuer="bnsp",
        title="Juru Las SMAW 3G",
        number="BNSP-123/2025",
        issued_on=datetime.date(2025, 3, 1),
    )
    LanguageSkill.objects.create(candidate=candidate, language="ru", level="A2")
    for order, (name, weight, value) in enumerate(
        [("Tes tertulis", 40, "75.50"), ("Uji praktik las", 60, "90.00")], start=1
    ):
        criterion = ScoreCriterion.objects.create(program=program, order=order, name=name, weight=weight)
        Score.objects.create(
            application=visible_application, criterion=criterion, value=Decimal(value), scorer=staff
        )
    Application.objects.filter(pk=visible_application.pk).update(score_total=Decimal("84.20"))
    ApplicationEvent.objects.create(
        application=visible_application,
        from_stage=Stage.SCREENING,
        to_stage=Stage.DOCUMENTS_VERIFIED,
        actor=staff,
        reason="Dokumen lengkap",
    )
    # Another partner's review of the same application is not ours to read.
    other = PartnerUserFactory(partner=PartnerFactory(name="Pengamat"))
    Review.objects.create(
        application=visible_application,
        partner=other.partner,
        reviewer=other,
        score=10,
        recommendation="neutral",
    )
    visible_application.refresh_from_db()
    return visible_application


def test_the_detail_has_what_a_reviewer_needs_and_masks_the_nik(api_client, rich_application, diploma):
    application = rich_application
    candidate = application.candidate
    response = api_client.get(detail_url(application.pk))
    assert response.status_code == 200
    assert candidate.nik.encode() not in response.content
    assert candidate.nik[4:12].encode() not in response.content  # the birth date part
    data = response.json()

    assert data["id"] == application.pk
    assert data["stage"] == "documents_verified"
    assert data["score"] == "84.20"
    assert data["allowed_moves"] == ["shortlisted", "rejected"]
    assert data["profile"]["nik"] == f"{candidate.nik[:4]}{'•' * 8}{candidate.nik[-4:]}"
    assert data["profile"]["full_name"] == candidate.full_name
    assert data["profile"]["province"] == "DKI Jakarta"
    assert data["school"]["major"] == "Teknik Pengelasan dan Fabrikasi Logam"
    assert data["certificates"] == [
        {
            "issuer": "bnsp",
            "issuer_name": "",
            "title": "Juru Las SMAW 3G",
            "number": "BNSP-123/2025",
            "issued_on": "2025-03-01",
        }
    ]
    assert data["languages"] == [{"language": "ru", "level": "A2"}]
    assert data["scores"] == [
        {"criterion": "Tes tertulis", "weight": 40, "value": "75.50"},
        {"criterion": "Uji praktik las", "weight": 60, "value": "90.00"},
    ]
    assert data["reviews"] == []
    (event,) = data["history"]
    assert event["from_stage"] == "screening"
    assert event["to_stage"] == "documents_verified"
    assert event["by"] == "staff"
    assert event["reason"] == "Dokumen lengkap"
    assert data["interview"] is None
    documents = {d["kind"]: d for d in data["documents"]}
    assert set(documents) == {DocumentKind.DIPLOMA, DocumentKind.PHOTO}
    assert documents[DocumentKind.DIPLOMA]["id"] == diploma.pk
    assert documents[DocumentKind.DIPLOMA]["download_url"] == (
        f"http://testserver{document_url(application.pk, diploma.pk)}"
    )
    # The download link works as given.
    download = api_client.get(documents[DocumentKind.DIPLOMA]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()


def test_the_detail_shows_our_reviews_and_the_interview(api_client, program, partner_user):
    application = application_at(Stage.INTERVIEW_SCHEDULED, program=program)
    Review.objects.create(
        application=application,
        partner=partner_user.partner,
        reviewer=partner_user,
        score=77,
        recommendation="recommend",
        comment="Rapi",
    )
    data = api_client.get(detail_url(application.pk)).json()
    assert [(r["score"], r["recommendation"], r["comment"], r["reviewer"]) for r in data["reviews"]] == [
        (77, "recommend", "Rapi", "HR RUSAL")
    ]
    assert data["interview"]["interviewer"] == "Ibu Sari"
    assert data["interview"]["place"] == "Kantor KP2MI, Jakarta"
    assert set(data["allowed_moves"]) == {"interview_scheduled", "interviewed", "rejected"}


def test_each_detail_read_is_logged_once_and_list_reads_never(
    api_client, api_key_obj, rusal, visible_application, other_partner_key
):
    for _ in range(3):
        assert api_client.get(LIST_URL).status_code == 200
    assert not PersonalDataAccess.objects.exists()

    assert api_client.get(detail_url(visible_application.pk)).status_code == 200
    (access,) = PersonalDataAccess.objects.all()
    assert access.partner == rusal
    assert access.api_key == api_key_obj
    assert access.key_prefix == api_key_obj.prefix
    assert access.application == visible_application
    assert access.document is None
    assert access.accessed_at is not None

    assert api_client.get(detail_url(visible_application.pk)).status_code == 200
    assert PersonalDataAccess.objects.filter(application=visible_application).count() == 2

    # Refused reads are not reads.
    key_client(other_partner_key).get(detail_url(visible_application.pk))
    api_client.get(detail_url(MISSING_ID))
    assert PersonalDataAccess.objects.count() == 2


# --- 6. Document download --------------------------------------------------------------------------


def test_a_document_downloads_as_an_attachment_and_is_logged(
    api_client, api_key_obj, visible_application, diploma
):
    response = api_client.get(document_url(visible_application.pk, diploma.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="diploma-{visible_application.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    (access,) = PersonalDataAccess.objects.all()
    assert access.document == diploma
    assert access.application == visible_application
    assert access.key_prefix == api_key_obj.prefix
    assert access.partner_id == api_key_obj.user.partner_id


def test_a_document_of_another_candidate_is_missing_under_our_application(
    api_client, program, visible_application, diploma
):
    neighbour = application_at(Stage.DOCUMENTS_VERIFIED, program=program)
    their_document = Document.objects.filter(candidate=neighbour.candidate).first()
    their_document.file.save("lain.pdf", ContentFile(b"%PDF-1.4 rahasia"))
    stranger_document = Document.objects.create(
        candidate=CandidateFactory(),
        kind=DocumentKind.DIPLOMA,
        file=ContentFile(b"%PDF-1.4 orang lain", name="x.pdf"),
        original_name="x.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        status=DocumentStatus.VERIFIED,
    )
    for document in (their_document, stranger_document):
        response = api_client.get(document_url(visible_application.pk, document.pk))
        error = error_of(response, 404)
        assert error["code"] == "not_found"
        assert b"rahasia" not in response.content
        assert response.content == api_client.get(document_url(visible_application.pk, MISSING_ID)).content
    assert not PersonalDataAccess.objects.exists()
    # Under its own application the neighbour's document is there.
    assert api_client.get(document_url(neighbour.pk, their_document.pk)).status_code == 200


def test_a_missing_file_is_an_error_in_the_shape_and_not_logged_as_read(api_client, visible_application):
    document = Document.objects.filter(candidate=visible_application.candidate).first()  # no file on disk
    response = api_client.get(document_url(visible_application.pk, document.pk))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "file_missing"
    assert not PersonalDataAccess.objects.exists()


# --- 7. Reviews -------------------------------------------------------------------------------------


def test_a_review_is_recorded_for_our_partner(api_client, visible_application, partner_user, rusal):
    response = api_client.post(
        reviews_url(visible_application.pk),
        {"score": 86, "recommendation": "recommend", "comment": "  Las rapi, disiplin.  "},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    review = Review.objects.get()
    assert body == {
        "id": review.pk,
        "score": 86,
        "recommendation": "recommend",
        "comment": "Las rapi, disiplin.",
        "reviewer": "HR RUSAL",
        "created_at": review.created_at.isoformat(),
    }
    assert (review.application, review.partner, review.reviewer) == (visible_application, rusal, partner_user)
    assert (review.score, review.recommendation, review.comment) == (86, "recommend", "Las rapi, disiplin.")
    # It shows in the detail.
    detail = api_client.get(detail_url(visible_application.pk)).json()
    assert [r["id"] for r in detail["reviews"]] == [review.pk]


def test_a_review_without_comment_is_fine(api_client, visible_application):
    response = api_client.post(
        reviews_url(visible_application.pk), {"score": 0, "recommendation": "not_recommended"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["comment"] == ""
    assert Review.objects.get().score == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "field"),
    [
        ({"score": 101, "recommendation": "recommend"}, None, 400, "invalid", "score"),
        ({"score": -1, "recommendation": "recommend"}, None, 400, "invalid", "score"),
        ({"score": "delapan", "recommendation": "recommend"}, None, 400, "invalid", "score"),
        ({"score": 80.5, "recommendation": "recommend"}, None, 400, "invalid", "score"),
        ({"score": None, "recommendation": "recommend"}, None, 400, "invalid", "score"),
        ({"score": 80}, None, 400, "invalid", "recommendation"),
        ({"score": 80, "recommendation": "maybe"}, None, 400, "invalid", "recommendation"),
        (
            {"score": 80, "recommendation": "recommend", "comment": "x" * 2001},
            None,
            400,
            "invalid",
            "comment",
        ),
        ({}, None, 400, "invalid", "score"),
        ("{not json", "application/json", 400, "malformed_request", None),
        ("[1, 2]", "application/json", 400, "invalid", "_"),
        ('"skor"', "application/json", 400, "invalid", "_"),
        ("null", "application/json", 400, "invalid", "_"),
        ("score=80&recommendation=recommend", "application/x-www-form-urlencoded", 415, None, None),
    ],
    ids=[
        "score-101",
        "score-negative",
        "score-text",
        "score-fraction",
        "score-null",
        "no-recommendation",
        "bad-recommendation",
        "comment-too-long",
        "empty-object",
        "not-json",
        "json-list",
        "json-string",
        "json-null",
        "form-encoded",
    ],
)
def test_a_bad_review_is_refused_in_the_error_shape(
    api_key, visible_application, client_500, body, content_type, status, code, field
):
    client = client_500(api_key)
    url = reviews_url(visible_application.pk)
    if content_type:
        response = client.post(url, body, content_type=content_type)
    else:
        response = client.post(url, body, format="json")
    error = error_of(response, status)
    if code:
        assert error["code"] == code
    if field:
        assert field in error["fields"]
    assert not Review.objects.exists()


# --- 8. Transitions ------------------------------------------------------------------------------


def test_shortlisting_moves_the_application_and_records_who(api_client, visible_application, partner_user):
    response = api_client.post(transition_url(visible_application.pk), {"to": "shortlisted"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "shortlisted"
    assert response.json()["id"] == visible_application.pk
    visible_application.refresh_from_db()
    assert visible_application.stage == Stage.SHORTLISTED
    (event,) = ApplicationEvent.objects.filter(application=visible_application)
    assert (event.from_stage, event.to_stage, event.actor) == (
        Stage.DOCUMENTS_VERIFIED,
        Stage.SHORTLISTED,
        partner_user,
    )
    history = api_client.get(detail_url(visible_application.pk)).json()["history"]
    assert [(h["to_stage"], h["by"]) for h in history] == [("shortlisted", "partner")]


def test_scheduling_an_interview_reads_a_naive_time_as_wib(api_client, program, partner_user):
    application = application_at(Stage.SHORTLISTED, program=program)
    day = timezone.localdate() + datetime.timedelta(days=20)
    response = api_client.post(
        transition_url(application.pk),
        {
            "to": "interview_scheduled",
            "interview": {
                "starts_at": f"{day.isoformat()}T09:30:00",
                "place": "Kantor RUSAL, Jakarta",
                "interviewer": "Ivan Petrov",
            },
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "interview_scheduled"
    interview = Interview.objects.get(application=application)
    assert interview.starts_at == wib(day, 9, 30)
    assert interview.starts_at.astimezone(datetime.UTC).hour == 2
    assert (interview.place, interview.interviewer, interview.scheduled_by) == (
        "Kantor RUSAL, Jakarta",
        "Ivan Petrov",
        partner_user,
    )
    detail = api_client.get(detail_url(application.pk)).json()
    assert detail["interview"]["starts_at"] == wib(day, 9, 30).astimezone(datetime.UTC).isoformat()


def test_an_explicit_offset_is_kept(api_client, program):
    application = application_at(Stage.SHORTLISTED, program=program)
    day = timezone.localdate() + datetime.timedelta(days=20)
    response = api_client.post(
        transition_url(application.pk),
        {
            "to": "interview_scheduled",
            "interview": {
                "starts_at": f"{day.isoformat()}T09:30:00+03:00",  # Moscow
                "online_link": "https://meet.example/rusal",
                "interviewer": "Ivan Petrov",
            },
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Interview.objects.get(application=application).starts_at == wib(day, 13, 30)


def test_offering_a_seat_on_a_chosen_track_reserves_it(api_client, program, tracks):
    application = application_at(Stage.INTERVIEWED, program=program, track=tracks[0])
    deadline = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    response = api_client.post(
        transition_url(application.pk),
        {"to": "offered", "track": tracks[1].pk, "offer_deadline": deadline.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["track"] == tracks[1].pk
    application.refresh_from_db()
    assert application.stage == Stage.OFFERED
    assert application.track == tracks[1]
    assert application.offer_expires_at == deadline
    reserved = {
        t.pk: (t.seats_reserved, t.seats_taken) for t in PlacementTrack.objects.filter(program=program)
    }
    assert reserved == {tracks[0].pk: (0, 0), tracks[1].pk: (1, 0)}
    programme = api_client.get(program_url(program.code)).json()
    assert programme["tracks"][1]["seats_free"] == 24


def test_offering_on_a_full_track_is_409_no_seats(api_client, program, tracks):
    PlacementTrack.objects.filter(pk=tracks[0].pk).update(seats_reserved=20, seats_taken=5)
    application = application_at(Stage.INTERVIEWED, program=program)
    response = api_client.post(
        transition_url(application.pk),
        {"to": "offered", "track": tracks[0].pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = error_of(response, 409)
    assert error["code"] == "no_seats"
    assert "Rusia" in error["message"]
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert application.track is None
    assert not ApplicationEvent.objects.filter(application=application).exists()
    tracks[0].refresh_from_db()
    assert (tracks[0].seats_reserved, tracks[0].seats_taken) == (20, 5)


@pytest.mark.parametrize(
    ("stage", "target", "current_en", "target_en"),
    [
        (Stage.DOCUMENTS_VERIFIED, "offered", "Documents verified", "Offered a seat"),
        (Stage.DOCUMENTS_VERIFIED, "interviewed", "Documents verified", "Interviewed"),
        (
            Stage.OFFERED,
            "accepted",
            "Offered a seat",
            "Accepted",
        ),  # the candidate's answer, not the partner's
        (Stage.REJECTED, "screening", "Rejected", "Screening"),  # only staff reopen
    ],
)
def test_a_move_the_table_forbids_is_409_naming_the_stages(
    api_client, program, stage, target, current_en, target_en
):
    application = application_at(stage, program=program)
    response = api_client.post(
        transition_url(application.pk),
        {"to": target, "reason": "x"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = error_of(response, 409)
    assert error["code"] == "move_not_allowed"
    assert f"“{current_en}”" in error["message"]
    assert f"“{target_en}”" in error["message"]
    application.refresh_from_db()
    assert application.stage == stage
    assert not ApplicationEvent.objects.filter(application=application).exists()


def test_moving_to_the_current_stage_is_409(api_client, program):
    application = application_at(Stage.SHORTLISTED, program=program)
    error = error_of(
        api_client.post(transition_url(application.pk), {"to": "shortlisted"}, format="json"), 409
    )
    assert error["code"] == "already_at_stage"


def test_a_track_of_another_programme_is_400_on_track(api_client, program, other_program):
    application = application_at(Stage.INTERVIEWED, program=program)
    for track_id in (other_program.tracks.first().pk, MISSING_ID):
        response = api_client.post(
            transition_url(application.pk), {"to": "offered", "track": track_id}, format="json"
        )
        error = error_of(response, 400)
        assert list(error["fields"]) == ["track"]
    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWED
    assert not other_program.tracks.filter(seats_reserved__gt=0).exists()


def test_a_track_on_a_move_that_takes_none_is_400(api_client, visible_application, tracks):
    response = api_client.post(
        transition_url(visible_application.pk), {"to": "shortlisted", "track": tracks[0].pk}, format="json"
    )
    assert "track" in error_of(response, 400)["fields"]


@pytest.mark.parametrize(
    ("interview", "field"),
    [
        ({"starts_at": "FUTURE", "place": "Jakarta"}, "interview.interviewer"),
        ({"starts_at": "FUTURE", "place": "Jakarta", "interviewer": "   "}, "interview.interviewer"),
        ({"place": "Jakarta", "interviewer": "Ivan"}, "interview.starts_at"),
        ({"starts_at": "kemarin", "place": "Jakarta", "interviewer": "Ivan"}, "interview.starts_at"),
        (
            {"starts_at": "2020-01-01T09:00:00", "place": "Jakarta", "interviewer": "Ivan"},
            "interview.starts_at",
        ),
        ({"starts_at": "FUTURE", "interviewer": "Ivan"}, "interview.place"),
        (
            {"starts_at": "FUTURE", "online_link": "bukan tautan", "interviewer": "Ivan"},
            "interview.online_link",
        ),
        (None, "interview"),
        ("besok jam 9", "interview.non_field_errors"),
    ],
    ids=[
        "no-interviewer",
        "blank-interviewer",
        "no-time",
        "bad-time",
        "past-time",
        "no-place-or-link",
        "bad-link",
        "no-interview",
        "not-an-object",
    ],
)
def test_bad_interview_details_are_400_on_the_nested_field(api_key, program, client_500, interview, field):
    application = application_at(Stage.SHORTLISTED, program=program)
    future = f"{(timezone.localdate() + datetime.timedelta(days=10)).isoformat()}T10:00:00"
    if isinstance(interview, dict):
        interview = {k: (future if v == "FUTURE" else v) for k, v in interview.items()}
    body = {"to": "interview_scheduled"}
    if interview is not None:
        body["interview"] = interview
    response = client_500(api_key).post(transition_url(application.pk), body, format="json")
    error = error_of(response, 400)
    assert field in error["fields"], error["fields"]
    application.refresh_from_db()
    assert application.stage == Stage.SHORTLISTED
    assert not Interview.objects.filter(application=application).exists()


@pytest.mark.parametrize(
    "body",
    [{"to": "somewhere"}, {"to": ""}, {"to": None}, {}, {"to": ["shortlisted"]}],
    ids=["unknown", "empty", "null", "missing", "list"],
)
def test_a_target_that_is_not_a_stage_is_400_on_to(api_key, visible_application, client_500, body):
    error = error_of(
        client_500(api_key).post(transition_url(visible_application.pk), body, format="json"), 400
    )
    assert "to" in error["fields"]
    visible_application.refresh_from_db()
    assert visible_application.stage == Stage.DOCUMENTS_VERIFIED


def test_a_rejection_needs_a_reason(api_client, visible_application, partner_user):
    url = transition_url(visible_application.pk)
    error = error_of(api_client.post(url, {"to": "rejected", "reason": "  "}, format="json"), 400)
    assert error["code"] == "reason_required"
    assert "reason" in error["fields"]
    response = api_client.post(url, {"to": "rejected", "reason": "Nilai praktik kurang"}, format="json")
    assert response.status_code == 200
    event = ApplicationEvent.objects.get(application=visible_application)
    assert (event.to_stage, event.reason, event.actor) == ("rejected", "Nilai praktik kurang", partner_user)


def test_an_offer_deadline_in_the_past_is_400(api_client, program):
    application = application_at(Stage.INTERVIEWED, program=program)
    past = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    response = api_client.post(
        transition_url(application.pk), {"to": "offered", "offer_deadline": past}, format="json"
    )
    assert "offer_deadline" in error_of(response, 400)["fields"]


# --- 9. Language -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("id", "id"),
        ("id-ID,id;q=0.9,en;q=0.5", "id"),
        ("fr", "id"),
        ("*", "id"),
        (None, "id"),
    ],
)
def test_the_api_answers_in_the_asked_language(api_client, accept, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = api_client.get("/api/v1/nothing/", **headers)
    error = error_of(response, 404)
    assert response["Content-Language"] == language
    assert error["message"] == {"en": "Not found.", "id": in_indonesian("Not found.")}[language]


def test_validation_and_move_messages_follow_the_language(api_client, visible_application):
    url = transition_url(visible_application.pk)
    english = api_client.post(url, {"to": "offered"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    indonesian = api_client.post(url, {"to": "offered"}, format="json", HTTP_ACCEPT_LANGUAGE="id")
    assert english["Content-Language"] == "en"
    assert indonesian["Content-Language"] == "id"
    assert "“Documents verified”" in error_of(english, 409)["message"]
    assert f"“{in_indonesian('Documents verified')}”" in error_of(indonesian, 409)["message"]

    reviews = reviews_url(visible_application.pk)
    english = error_of(api_client.post(reviews, {}, format="json", HTTP_ACCEPT_LANGUAGE="en"), 400)
    indonesian = error_of(api_client.post(reviews, {}, format="json"), 400)
    assert english["message"] == "Please correct the marked fields."
    assert indonesian["message"] == in_indonesian("Please correct the marked fields.")
    assert english["fields"]["score"] == ["This field is required."]
    assert indonesian["fields"]["score"] != english["fields"]["score"]


def test_a_successful_answer_carries_content_language(api_client, visible_application):
    assert api_client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    assert api_client.get(LIST_URL)["Content-Language"] == "id"


def test_a_missing_object_is_reported_in_the_asked_language(api_client, program):
    for url in (detail_url(MISSING_ID), program_url("tidak-ada")):
        english = error_of(api_client.get(url, HTTP_ACCEPT_LANGUAGE="en"), 404)
        indonesian = error_of(api_client.get(url, HTTP_ACCEPT_LANGUAGE="id"), 404)
        assert english["message"] != indonesian["message"], url


# --- 10. Throttling ---------------------------------------------------------------------------------


def test_a_key_over_its_rate_is_429_and_another_key_is_not(
    api_client, partner_user, other_partner_key, visible_application, monkeypatch
):
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "3/minute"})
    cache.clear()
    for _ in range(3):
        assert api_client.get(LIST_URL).status_code == 200
    response = api_client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")
    error = error_of(response, 429)
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many requests. Try again in ")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    # The header and the message name the same wait.
    assert f"in {retry_after} second" in error["message"]
    # Every endpoint counts against the same key.
    error_of(api_client.get(detail_url(visible_application.pk)), 429)
    assert not PersonalDataAccess.objects.exists()

    _obj, second_key = PartnerAPIKey.objects.create_key(name="HRIS kedua", user=partner_user)
    assert key_client(second_key).get(LIST_URL).status_code == 200
    assert key_client(other_partner_key).get(LIST_URL).status_code == 200


def test_requests_without_a_key_are_refused_before_throttling(db, monkeypatch):
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner_key": "1/minute"})
    cache.clear()
    for _ in range(3):
        assert APIClient().get(LIST_URL).status_code == 401


# --- 11. Unknown paths, methods, the schema and its docs ----------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing/", "/api/v2/applications/", "/api/", "/api/v1/applications/abc/"]
)
def test_an_unknown_api_path_is_a_json_404(api_client, path):
    for client in (api_client, APIClient()):
        error = error_of(client.get(path), 404)
        assert error["code"] == "not_found"


def test_a_method_the_endpoint_lacks_is_405_in_the_shape(api_client, visible_application):
    for method, url in (
        ("delete", detail_url(visible_application.pk)),
        ("post", LIST_URL),
        ("get", reviews_url(visible_application.pk)),
        ("put", transition_url(visible_application.pk)),
    ):
        error = error_of(getattr(api_client, method)(url), 405)
        assert error["code"] == "method_not_allowed"
    assert Application.objects.filter(pk=visible_application.pk).exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "/api/schema/?format=json"},
        {"path": "/api/schema/", "HTTP_ACCEPT": "application/vnd.oai.openapi+json"},
    ],
    ids=["format-param", "accept-header"],
)
def test_the_schema_is_public_openapi_3(db, kwargs):
    response = APIClient().get(**kwargs)
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = orjson.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "P2MI Portal API"
    assert set(schema["paths"]) >= {
        "/api/v1/programs/",
        "/api/v1/programs/{code}/",
        "/api/v1/applications/",
        "/api/v1/applications/{application_id}/",
        "/api/v1/applications/{application_id}/documents/{document_id}/",
        "/api/v1/applications/{application_id}/reviews/",
        "/api/v1/applications/{application_id}/transition/",
    }
    scheme = schema["components"]["securitySchemes"]["PartnerApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    list_params = {p["name"] for p in schema["paths"]["/api/v1/applications/"]["get"]["parameters"]}
    assert list_params >= {"program", "stage", "track", "province", "major", "min_score", "search", "cursor"}


def test_the_schema_defaults_to_yaml(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3." in response.content


def test_the_docs_page_is_html(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    assert b"/api/schema/" in response.content


@pytest.mark.parametrize(
    "cursor_value", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
)
def test_a_cursor_at_the_edge_of_time_is_400_not_500(api_client, visible_application, cursor_value):
    from p2mi_portal.api import Cursor

    response = api_client.get(LIST_URL, {"cursor": Cursor.encode([cursor_value, 1])})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_deadline_at_the_edge_of_time_is_400_not_500(api_client, visible_application):
    response = api_client.post(
        transition_url(visible_application.pk),
        {"to": "shortlisted", "offer_deadline": "0001-01-01T00:00:00"},
        format="json",
    )
    assert response.status_code == 400
    assert "offer_deadline" in response.json()["error"]["fields"]


def test_applications_of_a_draft_programme_are_not_shown(api_client, program, visible_application):
    program.status = "draft"
    program.save()
    assert api_client.get(LIST_URL).json()["results"] == []
    assert api_client.get(detail_url(visible_application.pk)).status_code == 404


def test_a_partner_cannot_reopen_a_rejected_application(api_client, program):
    """Reopening (back to screening) is for ministry staff only, never through the partner API."""
    application = application_at(Stage.REJECTED, program=program)
    response = api_client.post(
        transition_url(application.pk),
        {"to": "screening", "reason": "Mohon dinilai ulang."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    error = error_of(response, 409)
    assert error["code"] == "move_not_allowed"
    application.refresh_from_db()
    assert application.stage == Stage.REJECTED
    assert not ApplicationEvent.objects.filter(application=application).exists()
    detail = api_client.get(detail_url(application.pk)).json()
    assert "screening" not in str(detail.get("allowed_moves", detail.get("next_stages", "")))
