"""No request, however malformed, produces a 500: every HTML page of the portal, walked.

Every URL pattern of the project (the partner API aside: it has its own schema fuzzing; the
Indonesian addresses only, /en/ serving the same views) is requested by each kind of visitor —
anonymous, a candidate, a worker in placement (candidate pages), a partner's user and ministry
staff — with real ids from a seeded world, someone else's ids, missing and absurd ids. Each page
gets a GET with junk query parameters, an empty POST, and POSTs of its own forms' fields set to
garbage (and, field by field, garbage in an otherwise untouched form); admin changelists also get
every bulk action with bogus selections. No response may be a 500, and nothing may be logged at
ERROR by ``django.request``.

One test per URL pattern. The world is seeded once for the module and each test runs in a
savepoint that is rolled back, so a page that deletes or changes what it is given cannot disturb
another page's test.
"""

from __future__ import annotations

import datetime
import logging
import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from candidates.models import (
    CompetencyCertificate,
    Document,
    DocumentStatus,
    LanguageSkill,
    Stage,
)
from complaints import services as complaint_services
from complaints.models import ComplaintCategory
from notifications.services import broadcasts
from programs.models import DocumentKind, Major, ProgramStatus, ScoreCriterion, StudyField
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.files import pdf_bytes, upload
from tests.placements.conftest import RUSAL_GRADES, accept, complete_training, place
from tests.programs.factories import ProgramFactory

MISSING = 987654321
HUGE = "99999999999999999999"
JUNK_QUERY = "?page=abc&o=999&q=%00&status=%3Cscript%3E&program=-1&p=99999999999999999999&e=x&all="
MAX_FIELD_BY_FIELD = 20
FORMSET_COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
GARBAGE = ["", "x", "-1", HUGE, "2026-13-45", "\x00", "A" * 5000]
# For the second and later objects of a page whose forms change with the object's stage.
SOME_GARBAGE = ["", "x\x00", HUGE]
# Pages whose forms differ with the application's stage: every seeded application gets the garbage.
PAGES_PER_STAGE = {
    "admin:candidates_application_move",
    "admin:candidates_application_scores",
    "admin:placements_journey",
}
# Pages that may end the session (log out, change the password): log in again before each request.
SESSION_ENDERS = {
    "accounts:logout",
    "admin:logout",
    "admin:password_change",
    "admin:auth_user_password_change",
}


# --- The URL patterns ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced name, e.g. "admin:candidates_application_move"
    parts: tuple[str, ...]  # the route strings, outermost first (regex parts kept as written)

    @property
    def template(self) -> str:
        return "".join(self.parts)

    @property
    def params(self) -> list[str]:
        return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.template)]

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("admin/")

    def __str__(self) -> str:
        return f"{self.template} [{self.name or '-'}]"


def _walk(resolver: URLResolver, parts: tuple[str, ...] = (), namespace: str = "") -> list[Route]:
    routes = []
    for pattern in resolver.url_patterns:
        # The Indonesian pages are at the root; /en/ serves the same views.
        text = "" if isinstance(pattern.pattern, LocalePrefixPattern) else str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            routes += _walk(pattern, (*parts, text), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            routes.append(Route(name, (*parts, text)))
    return routes


def all_routes() -> list[Route]:
    with translation.override("id"):
        routes = _walk(get_resolver())
    return [route for route in routes if not route.template.startswith("api/")]


ROUTES = all_routes()


# --- The world -------------------------------------------------------------------------------


@dataclass
class World:
    staff: object
    candidate: object  # "me": applications at several stages, documents, certificates, a complaint
    worker: object  # in placement: enrolments, a placement, a complaint
    partner_user: object
    other: object  # another candidate, with objects of their own
    program: object
    open_program: object
    draft_program: object
    applications: list = field(default_factory=list)
    objects: dict = field(default_factory=dict)  # name -> (own id, someone else's id)
    media_root: object = None


def seed() -> World:
    today = timezone.localdate()
    welding = Major.objects.get(code="teknik-pengelasan")
    staff = StaffFactory(email="staf@p2mi.go.id", full_name="Staf Uji")
    program = ProgramFactory(
        code="rusal-smk-go-global-2026",
        total_seats=50,
        tracks=[("Rusia", 25), ("Indonesia — proyek Rusia", 25)],
        status=ProgramStatus.SELECTION,
        contract_months=60,
    )
    from programs.models import GradeLevel, TrainingPhase

    phases = [("Bahasa Rusia", [StudyField.LANGUAGE]), ("Pelatihan teknik", [StudyField.MACHINERY])]
    for order, (title, fields_of_study) in enumerate(phases, start=1):
        TrainingPhase.objects.create(
            program=program,
            order=order,
            title=title,
            months=12,
            location="Rusia",
            fields_of_study=fields_of_study,
        )
    for grade, salary in RUSAL_GRADES.items():
        GradeLevel.objects.create(program=program, grade=grade, monthly_salary=salary)
    for order, (name, weight) in enumerate([("Dokumen", 30), ("Wawancara", 70)], start=1):
        ScoreCriterion.objects.create(program=program, order=order, name=name, weight=weight)
    open_program = ProgramFactory(
        code="dki-las-2026",
        total_seats=20,
        tracks=[("Jepang", 10), ("Korea Selatan", 10)],
        status=ProgramStatus.PUBLISHED,
        recruitment_opens=today - datetime.timedelta(days=10),
        recruitment_closes=today + datetime.timedelta(days=30),
        target_departure=today + datetime.timedelta(days=120),
        graduation_year_max=today.year,
        age_reference_date=today,
        required_document_kinds=[DocumentKind.DIPLOMA, DocumentKind.IDENTITY_CARD],
    )
    open_program.allowed_majors.set([welding])
    draft_program = ProgramFactory(code="draf-2027")
    partner_user = PartnerUserFactory(partner=program.employer, email="hr@rusal.example")

    me = CandidateFactory(full_name="Budi", passport_number="C1234567")
    other = CandidateFactory(full_name="Agus")
    for person in (me, other):
        Document.objects.create(
            candidate=person,
            kind=DocumentKind.IDENTITY_CARD,
            file=upload("ktp.pdf", pdf_bytes()),
            original_name="ktp.pdf",
            content_type="application/pdf",
            size=len(pdf_bytes()),
            sha256="0" * 64,
            status=DocumentStatus.PENDING,
        )
        CompetencyCertificate.objects.create(
            candidate=person,
            issuer="bnsp",
            title="Juru las",
            number="123",
            issued_on=datetime.date(2025, 1, 1),
        )
        LanguageSkill.objects.create(candidate=person, language="en", level="basic")

    applications = [application_at(Stage.OFFERED, program=program, candidate=me)]
    applications.append(application_at(Stage.SUBMITTED, program=open_program, candidate=me))
    for stage in (
        Stage.SUBMITTED,
        Stage.SCREENING,
        Stage.DOCUMENTS_VERIFIED,
        Stage.SHORTLISTED,
        Stage.INTERVIEW_SCHEDULED,
        Stage.INTERVIEWED,
        Stage.WAITLISTED,
        Stage.REJECTED,
    ):
        applications.append(application_at(stage, program=program))
    applications.append(application_at(Stage.SCREENING, program=open_program, candidate=other))

    worker_application = complete_training(accept(program), staff)
    worker_placement = place(worker_application, staff)
    worker = worker_application.candidate
    applications.append(worker_application)
    accepted = accept(program)  # enrolled, training not started
    applications.append(accepted)

    complaint = complaint_services.complaint_file(
        candidate=me,
        category=ComplaintCategory.UNPAID_WAGES,
        description="Gaji belum dibayar.",
        application=None,
    )
    worker_complaint = complaint_services.complaint_file(
        candidate=worker,
        category=ComplaintCategory.UNPAID_WAGES,
        description="Gaji bulan Oktober belum dibayar.",
        application=worker_application,
    )
    from candidates.services.imports import jobs
    from tests.candidates.transfer.conftest import csv_bytes, person

    import_job = jobs.import_job_create(
        actor=staff,
        program=open_program,
        track=None,
        upload=SimpleUploadedFile("bkk.csv", csv_bytes([person(1, Penempatan="Jepang"), person(2)])),
        consent_confirmed=True,
    )
    broadcast = broadcasts.broadcast_create(actor=staff, program=program, subject="Jadwal", body="Tes Senin.")

    world = World(
        staff=staff,
        candidate=me,
        worker=worker,
        partner_user=partner_user,
        other=other,
        program=program,
        open_program=open_program,
        draft_program=draft_program,
        applications=applications,
        media_root=settings.MEDIA_ROOT,
    )
    world.objects = {
        "document": tuple(Document.objects.filter(candidate=p).first().pk for p in (me, other)),
        "certificate": tuple(CompetencyCertificate.objects.get(candidate=p).pk for p in (me, other)),
        "skill": tuple(LanguageSkill.objects.get(candidate=p).pk for p in (me, other)),
        "complaint": (complaint.pk, worker_complaint.pk),
        "import_job": (import_job.pk, MISSING),
        "broadcast": (broadcast.pk, MISSING),
        "placement": (worker_placement.pk, MISSING),
    }
    return world


def _admin_models() -> dict[str, type]:
    return {f"{model._meta.app_label}_{model._meta.model_name}": model for model in admin.site._registry}


def fills(route: Route, world: World) -> list[dict[str, str]]:
    """The parameter values to try for a route: real ids first, then others', missing and absurd ones."""
    params = route.params
    if not params:
        return [{}]
    name = route.name or ""
    own = world.objects
    by_name = {
        "candidates:certificate_remove": own["certificate"],
        "candidates:language_remove": own["skill"],
        "candidates:document_download": own["document"],
        "complaints:detail": own["complaint"],
        "complaints:attachment": own["complaint"],
        "admin:complaints_complaint_triage": own["complaint"],
        "admin:candidates_importjob_confirm": own["import_job"],
        "admin:candidates_importjob_resume": own["import_job"],
        "admin:candidates_importjob_fail": own["import_job"],
        "admin:notifications_broadcast_send": own["broadcast"],
    }
    if name in by_name:
        mine, theirs = by_name[name]
        return [{params[0]: str(value)} for value in (mine, theirs, MISSING, HUGE)]
    if name in {"candidates:withdraw", "candidates:offer_answer"}:
        ids = [a.pk for a in world.applications if a.candidate_id == world.candidate.pk]
        ids += [world.applications[-1].pk, MISSING, HUGE]
        return [{params[0]: str(value)} for value in ids]
    if name in {
        "admin:candidates_application_move",
        "admin:candidates_application_scores",
        "admin:placements_journey",
    }:
        return [{params[0]: str(a.pk)} for a in world.applications] + [{params[0]: str(MISSING)}]
    if name in {"dashboard:program", "admin:candidates_application_shortlist"}:
        ids = [world.program.pk, world.open_program.pk, world.draft_program.pk, MISSING, HUGE]
        return [{params[0]: str(value)} for value in ids]
    if name == "admin:candidates_application_export":
        return [{"file_format": value} for value in ("csv", "xlsx", "pdf", "x" * 300)]
    if name in {"candidates:apply", "programs:detail"}:
        codes = [world.open_program.code, world.program.code, world.draft_program.code, "tidak-ada"]
        return [{"code": code} for code in codes]
    if set(params) == {"uidb64", "token"}:
        user = world.candidate.user
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return [
            {"uidb64": uid, "token": default_token_generator.make_token(user)},
            {"uidb64": uid, "token": "set-password"},
            {"uidb64": urlsafe_base64_encode(force_bytes(MISSING)), "token": "abc-def"},
            {"uidb64": "%00%FF", "token": "x"},
            {"uidb64": urlsafe_base64_encode(b"x" * 200), "token": "x"},
        ]
    if name == "admin:view_on_site":
        program_type = ContentType.objects.get_for_model(type(world.program)).pk
        return [
            {"content_type_id": str(program_type), "object_id": str(world.program.pk)},
            {"content_type_id": str(program_type), "object_id": "abc"},
            {"content_type_id": HUGE, "object_id": "1"},
            {"content_type_id": "abc", "object_id": "1"},
        ]
    if name == "admin:auth_user_password_change":
        return [{"id": str(world.candidate.user.pk)}, {"id": str(MISSING)}, {"id": "abc"}]
    if name == "admin:app_list":
        return [{"app_label": "candidates"}]
    if params == ["url"]:
        return [{"url": "tidak/ada/"}]
    if params == ["object_id"] and route.is_admin:
        model_key = route.template.split("/")[1] + "_" + route.template.split("/")[2]
        model = _admin_models().get(model_key)
        real = model._default_manager.order_by("pk").values_list("pk", flat=True).last() if model else None
        values = [v for v in (real, MISSING, HUGE, "abc", "-1") if v is not None]
        return [{"object_id": str(value)} for value in values]
    raise AssertionError(f"no values for the parameters of {route}: add them to fills()")


def build_path(route: Route, values: dict[str, str]) -> str:
    path = route.template
    if route.name == "admin:app_list":
        path = "admin/" + values["app_label"] + "/"
    elif route.params == ["url"]:
        path = "admin/" + values["url"]
    else:
        for param, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{param}>", value, path)
    assert "<" not in path and "(?P" not in path, path
    return "/" + path


# --- The forms of a page ---------------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values as rendered
    files: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    """The POST forms of a page, with their fields and the values they are rendered with."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = (
                Form(action=attrs.get("action") or "")
                if (attrs.get("method") or "").lower() == "post"
                else None
            )
            if self._form is not None:
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self._form.files.add(name)
                return
            values = self._form.fields.setdefault(name, [])
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    values.append(attrs.get("value") or "on")
            elif kind not in {"submit", "button", "image", "reset"} or attrs.get("value"):
                values.append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._form.fields.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._form.fields[self._select].append(value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields.setdefault(name, []).append("")
        elif tag == "button" and name and attrs.get("value"):
            self._form.fields.setdefault(name, []).append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.fields[self._select].append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea][-1] += data


def page_forms(response, path: str) -> list[Form]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser()
    parser.feed(response.content.decode(errors="replace"))
    return [form for form in parser.forms if form.action in {"", path} or urlsplit(form.action).path == path]


# Forms that only ever arrive by POST from another page (and the fields they carry).
POST_ONLY_FIELDS = {
    "candidates:certificate_add": ["issuer", "issuer_name", "title", "number", "issued_on"],
    "candidates:language_add": ["language", "level"],
    "candidates:withdraw": ["reason"],
    "candidates:offer_answer": ["decision"],
    "notifications:mark_read": ["notification"],
    "admin:candidates_importjob_confirm": ["confirm"],
    "admin:candidates_importjob_resume": ["confirm"],
    "admin:candidates_importjob_fail": ["reason"],
    "admin:notifications_broadcast_send": ["confirm"],
    "admin:candidates_application_shortlist": ["application", "size", "apply"],
    "candidates:data_export": ["format"],
}


def garbage_posts(
    route: Route, forms: list[Form], *, values: list[str], shapes_done: set[frozenset]
) -> list[tuple[dict, str]]:
    """(data, why) pairs: every field set to each garbage value, then one field at a time
    (field by field only for a form whose set of fields has not been done so already)."""
    if not forms:
        names = POST_ONLY_FIELDS.get(route.name or "", [])
        forms = [Form(action="", fields={name: [""] for name in names})]
    posts = []
    for form in forms:
        names = [name for name in form.fields if name != "csrfmiddlewaretoken"]
        counts = [name for name in names if name.endswith(FORMSET_COUNTS)]
        rendered = {name: values for name, values in form.fields.items() if values}
        for value in values:
            data: dict = dict.fromkeys(names, value)
            for name in form.files:
                data[name] = SimpleUploadedFile("x.pdf", value.encode() or b"\x00")
            if value == HUGE:  # a thousand blank rows per formset are slow to show (the limit is Django's)
                data |= {name: rendered.get(name, "0") for name in counts}
            posts.append((data, f"every field = {value[:20]!r}"))
        posts.append((dict(rendered), "the form as rendered"))
        shape = frozenset(names)
        if shape in shapes_done:
            continue
        shapes_done.add(shape)
        singles = [name for name in names if name not in counts]
        for index, name in enumerate(singles[:MAX_FIELD_BY_FIELD]):
            value = GARBAGE[1 + index % (len(GARBAGE) - 1)]
            posts.append(({**rendered, name: value}, f"{name} = {value[:20]!r}, the rest as rendered"))
    return posts


def action_posts(client: Client, path: str) -> list[tuple[dict, str]]:
    """A changelist's bulk actions, each with bogus selections."""
    response = client.get(path)
    if response.status_code != 200:
        return []
    actions = re.findall(
        r'<option value="([\w-]+)">',
        response.content.decode().split('name="action"', 1)[-1].split("</select>", 1)[0],
    )
    posts = []
    for action in [*actions, "tidak_ada", ""]:
        for selection in (["abc", "-1", "\x00"], [HUGE], [str(MISSING)], []):
            posts.append(
                (
                    {"action": action, "_selected_action": selection, "index": "0"},
                    f"action {action!r} on {selection!r}",
                )
            )
        posts.append(
            ({"action": action, "select_across": "1", "index": "abc"}, f"action {action!r} across, index abc")
        )
    return posts


# --- The test --------------------------------------------------------------------------------


def _summary(response) -> str:
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return "(no exception recorded)"
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
    where = " <- ".join(
        f"{f.filename.rsplit('/', 2)[-2:][-1]}:{f.lineno} {f.name}" for f in (frames[-1], ours[-1])
    )
    return f"{exc_info[0].__name__}: {str(exc_info[1])[:160]} at {where}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, seeded once for the module inside a transaction that is rolled back at its end.

    Each test runs inside its own savepoint (as a Django ``TestCase`` does), so what one page
    deletes or changes is back for the next.
    """
    media = tmp_path_factory.mktemp("private-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def private_media(settings, world):
    settings.MEDIA_ROOT = world.media_root
    return settings.MEDIA_ROOT


def test_the_walk_reaches_every_kind_of_page():
    names = {route.name for route in ROUTES}
    assert {
        "programs:list",
        "candidates:apply",
        "complaints:detail",
        "notifications:preferences",
        "accounts:password_reset_confirm",
        "dashboard:program",
        "admin:placements_journey",
        "admin:complaints_complaint_triage",
        "admin:candidates_importjob_confirm",
        "admin:candidates_importjob_resume",
        "admin:candidates_importjob_fail",
        "admin:candidates_application_move",
        "admin:candidates_application_scores",
        "admin:candidates_application_shortlist",
        "admin:candidates_application_export",
        "admin:notifications_broadcast_send",
        "admin:candidates_application_changelist",
    } <= names
    assert not [route for route in ROUTES if route.template.startswith(("api/", "en/"))]
    assert len(ROUTES) > 200


class Visitor:
    """One kind of visitor's client; every response that is a server error is written down."""

    def __init__(self, who: str, user, route: Route, caplog, failures: list[str]) -> None:
        self.who, self.user, self.route, self.caplog, self.failures = who, user, route, caplog, failures
        self.client = Client(raise_request_exception=False)

    def send(self, method: str, path: str, data: dict | None = None, why: str = ""):
        if self.user is not None and (
            self.route.name in SESSION_ENDERS or not self.client.session.get("_auth_user_id")
        ):
            self.client.force_login(self.user)
        self.caplog.clear()
        response = self.client.get(path) if method == "GET" else self.client.post(path, data or {})
        logged = [r for r in self.caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]
        if response.status_code >= 500 or logged:
            self.failures.append(
                f"{self.who} {method} {path[:120]} ({why}) -> {response.status_code}: {_summary(response)}"
            )
        return response


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_request_gets_a_server_error(route, world, private_media, caplog):
    visitors = {
        "anonymous": None,
        "candidate": world.candidate.user,
        "worker": world.worker.user,
        "partner": world.partner_user,
        "staff": world.staff,
    }
    failures: list[str] = []
    caplog.set_level(logging.ERROR, logger="django.request")

    for who, user in visitors.items():
        if who == "worker" and route.is_admin:
            continue  # a candidate like any other to the admin: the candidate's visit covers it
        visitor = Visitor(who, user, route, caplog, failures)
        send = visitor.send
        # Staff can open admin pages; others are sent to the login page before any view runs.
        reaches_page = not route.is_admin or who == "staff"
        shapes_done: set[frozenset] = set()  # forms already posted field by field
        for index, values in enumerate(fills(route, world)):
            path = build_path(route, values)
            if not reaches_page:
                if index == 0:
                    send("GET", path + JUNK_QUERY, why="junk query")
                    send("POST", path, {"x": "\x00", "id": HUGE}, why="junk body")
                continue
            send("GET", path + JUNK_QUERY, why="junk query")
            page = send("GET", path, why="plain")
            send("POST", path, why="empty body")
            if index > 1 and route.name not in PAGES_PER_STAGE:
                continue
            values = GARBAGE if index == 0 else SOME_GARBAGE
            forms = page_forms(page, path)
            for data, why in garbage_posts(route, forms, values=values, shapes_done=shapes_done):
                send("POST", path, data, why=why)
            if index == 0 and route.name and route.name.endswith("_changelist"):
                for data, why in action_posts(visitor.client, path):
                    send("POST", path, data, why=why)

    assert not failures, "server errors:\n" + "\n".join(failures)
