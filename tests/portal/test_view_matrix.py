# ruff: noqa: E501 (the matrix is a table: one row per line)
"""Who may reach each page and file of the site: every URL pattern × every kind of visitor → one outcome.

The partner API has its own matrix (``tests/api/test_permission_matrix.py``). This one covers the
rest: the public pages, the candidate's pages under ``/me/``, the account pages, every file the
site serves, and every admin page the portal adds (its own views, the views of Django's admin it
overrides, and the admin site's own pages). Django's stock model pages (list, add, change,
delete, history) of the admin are left to Django's permission checks, unless the portal overrides
one of them.

The URL patterns come from the URLconf itself, so a new view without a row in :data:`MATRIX`
fails ``test_every_url_has_a_row``: nobody can add a page without deciding who may see it.

Each row names the permission the view needs and what must happen for each visitor:

- ``anonymous``: nobody logged in;
- ``owner``: the candidate who owns the object in the URL (a page without one: any candidate);
- ``other``: another candidate, asking for the owner's object;
- ``staff``: ministry staff holding exactly the row's permission(s) and nothing else (a row
  without a permission: staff with every permission the ministry staff group gives);
- ``staff_without``: ministry staff with admin access and no permission at all;
- ``partner``: a partner organisation's user.

Outcomes: ``ok`` (2xx, or a redirect to a page of the site that is not the log-in page),
``login`` (a redirect to a log-in page), ``denied`` (403), ``missing`` (404; "not yours" answers
exactly like a missing object, and the test checks that a missing id gives the same page) and
``bad`` (400: a link with a wrong token). Pages are fetched with GET; views that only take POST
get an empty POST, and a refused visitor must have changed nothing.

The world is seeded once for the module; each case runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role
from accounts.services import STAFF_GROUP
from candidates.models import Application, CompetencyCertificate, Document, ImportJob, LanguageSkill
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintCategory
from notifications.models import Broadcast
from tests.accounts.factories import UserFactory
from tests.conftest import verified_login
from tests.files import pdf_bytes
from tests.portal.test_no_server_errors import ROUTES, seed

# As in production: staff and partners have passed the second step of signing in.
pytestmark = pytest.mark.usefixtures("second_factor_on")

OK, LOGIN, DENIED, MISSING, BAD = "ok", "login", "denied", "missing", "bad"
VISITORS = ("anonymous", "owner", "other", "staff", "staff_without", "partner")
MISSING_ID = 987654321


@dataclass(frozen=True)
class Row:
    perm: str | tuple[str, ...] | None  # what the view needs of ministry staff
    anonymous: str
    owner: str
    other: str
    staff: str
    staff_without: str
    partner: str
    at: str | None = None  # the owner's object (or the link) the URL is built with
    method: str = "GET"
    query: str = ""
    unchanged: str | None = None  # what a refused visitor must leave as it was

    @property
    def perms(self) -> tuple[str, ...]:
        return (self.perm,) if isinstance(self.perm, str) else tuple(self.perm or ())


# fmt: off
MATRIX: dict[str, Row] = {
    # url name                                      perm the view needs of staff      anonymous owner  other    staff    staff_without partner
    # --- Public pages and the health probe -----------------------------------------------------
    "healthz":                                  Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "programs:list":                            Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "programs:detail":                          Row(None,                             OK,       OK,    OK,      OK,      OK,           OK, at="open_program"),
    # --- Accounts: anyone may register, log in, reset; a wrong token opens nothing ---------------
    "accounts:register":                        Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),  # logged in: sent on to their home page
    "accounts:register_sent":                   Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "accounts:verify":                          Row(None,                             BAD,      BAD,   BAD,     BAD,     BAD,          BAD, at="wrong_token"),
    "accounts:invitation":                      Row(None,                             BAD,      BAD,   BAD,     BAD,     BAD,          BAD, at="wrong_token"),
    "accounts:login":                           Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "accounts:logout":                          Row(None,                             OK,       OK,    OK,      OK,      OK,           OK, method="POST"),
    "accounts:password_reset":                  Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "accounts:password_reset_done":             Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "accounts:password_reset_confirm":          Row(None,                             OK,       OK,    OK,      OK,      OK,           OK, at="wrong_token"),  # "this link is invalid"
    # --- The second step of staff and partner sign-in (TOTP, recovery codes) --------------------
    # (A candidate has no second step: these pages send them on.)
    "second_factor:verify":                     Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    "second_factor:setup":                      Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    "second_factor:recovery_codes":             Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    "second_factor:new_codes":                  Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    "accounts:password_reset_complete":         Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    # --- The candidate's own pages ---------------------------------------------------------------
    "candidates:home":                          Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),
    "candidates:profile":                       Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),
    "candidates:certificate_add":               Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED, method="POST", unchanged="certificates"),
    "candidates:certificate_remove":            Row(None,                             LOGIN,    OK,    MISSING, DENIED,  DENIED,       DENIED, at="certificate", method="POST", unchanged="certificates"),
    "candidates:language_add":                  Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED, method="POST", unchanged="languages"),
    "candidates:language_remove":               Row(None,                             LOGIN,    OK,    MISSING, DENIED,  DENIED,       DENIED, at="skill", method="POST", unchanged="languages"),
    "candidates:documents":                     Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),
    "candidates:withdraw":                      Row(None,                             LOGIN,    OK,    MISSING, DENIED,  DENIED,       DENIED, at="application", method="POST", unchanged="stage"),
    "candidates:offer_answer":                  Row(None,                             LOGIN,    OK,    MISSING, DENIED,  DENIED,       DENIED, at="application", method="POST", unchanged="stage"),
    "candidates:data":                          Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),
    "candidates:data_export":                   Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),  # a file: everything the portal holds about them
    "candidates:apply":                         Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED, at="open_program"),
    "complaints:list":                          Row(None,                             LOGIN,    OK,    OK,      DENIED,  DENIED,       DENIED),
    "complaints:detail":                        Row(None,                             LOGIN,    OK,    MISSING, DENIED,  DENIED,       DENIED, at="complaint"),
    # --- Anyone logged in: their own inbox and channel choices -----------------------------------
    "notifications:inbox":                      Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    "notifications:mark_read":                  Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK, method="POST"),
    "notifications:preferences":                Row(None,                             LOGIN,    OK,    OK,      OK,      OK,           OK),
    # --- Files -----------------------------------------------------------------------------------
    "candidates:document_download":             Row("candidates.view_document",       LOGIN,    OK,    MISSING, OK,      MISSING,      MISSING, at="document"),
    "complaints:attachment":                    Row("complaints.view_complaint",      LOGIN,    OK,    MISSING, OK,      MISSING,      MISSING, at="complaint"),
    "admin:candidates_application_export":      Row("candidates.view_application",    LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="csv"),
    # --- The staff dashboard ---------------------------------------------------------------------
    "dashboard:index":                          Row("candidates.view_application",    LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN),
    "dashboard:program":                        Row("candidates.view_application",    LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="program"),
    # --- Selection -------------------------------------------------------------------------------
    "admin:candidates_application_changelist":  Row("candidates.view_application",    LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN),
    "admin:candidates_application_move":        Row("candidates.change_application",  LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="application"),
    "admin:candidates_application_scores":      Row("candidates.change_application",  LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="application"),
    "admin:candidates_application_shortlist":   Row("candidates.change_application",  LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="program"),
    # --- Imports ---------------------------------------------------------------------------------
    "admin:candidates_importjob_add":           Row("candidates.add_importjob",       LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN),
    "admin:candidates_importjob_change":        Row("candidates.view_importjob",      LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="import_job"),
    "admin:candidates_importjob_delete":        Row("candidates.delete_importjob",    LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="import_job"),
    "admin:candidates_importjob_confirm":       Row("candidates.change_importjob",    LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="import_job", method="POST", unchanged="import_job"),
    "admin:candidates_importjob_resume":        Row("candidates.change_importjob",    LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="import_job", method="POST", unchanged="import_job"),
    "admin:candidates_importjob_fail":          Row("candidates.change_importjob",    LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="import_job", method="POST", unchanged="import_job"),
    # --- Training and placement ------------------------------------------------------------------
    "admin:placements_journey":                 Row("placements.view_placement",      LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="application"),
    # --- Broadcasts: the preview is the broadcast's page ------------------------------------------
    "admin:notifications_broadcast_change":     Row("notifications.view_broadcast",   LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="broadcast"),
    "admin:notifications_broadcast_send":       Row("notifications.change_broadcast", LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="broadcast", method="POST", unchanged="broadcast"),
    # --- Complaints ------------------------------------------------------------------------------
    "admin:complaints_complaint_triage":        Row(("complaints.view_complaint", "complaints.change_complaint"), LOGIN,   LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="complaint"),
    # --- Django's admin site itself ----------------------------------------------------------------
    "admin:index":                              Row(None,                             LOGIN,    LOGIN, LOGIN,   OK,      OK,           LOGIN),
    "admin:login":                              Row(None,                             OK,       OK,    OK,      OK,      OK,           OK),
    "admin:logout":                             Row(None,                             OK,       OK,    OK,      OK,      OK,           OK, method="POST"),  # not staff: sent to the admin's index, then to log in
    "admin:password_change":                    Row(None,                             LOGIN,    LOGIN, LOGIN,   OK,      OK,           LOGIN),
    "admin:password_change_done":               Row(None,                             LOGIN,    LOGIN, LOGIN,   OK,      OK,           LOGIN),
    "admin:jsi18n":                             Row(None,                             LOGIN,    LOGIN, LOGIN,   OK,      OK,           LOGIN),
    "admin:autocomplete":                       Row("programs.view_major",            LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, query="?app_label=candidates&model_name=candidateprofile&field_name=major"),
    # No model of the portal has a page of its own on the site: nothing to redirect staff to.
    "admin:view_on_site":                       Row(None,                             LOGIN,    LOGIN, LOGIN,   MISSING, MISSING,      LOGIN, at="program_on_site"),
    "admin:app_list":                           Row("candidates.view_application",    LOGIN,    LOGIN, LOGIN,   OK,      MISSING,      LOGIN, at="candidates_app"),
    "admin:auth_user_password_change":          Row("accounts.change_user",           LOGIN,    LOGIN, LOGIN,   OK,      DENIED,       LOGIN, at="owner_user"),
}
# fmt: on

# Cases known to fail, each with its reason (an xfail that starts passing fails the run).
EXPECTED_FAILURES: dict[tuple[str, str], str] = {}


# --- The URLconf -------------------------------------------------------------------------------

STOCK_KINDS = ("changelist", "add", "change", "delete", "history")


def _portal_code(cls: type) -> bool:
    """Whether a class is the portal's own (not Django's or another installed library's)."""
    return "-packages" not in inspect.getfile(cls)


def stock_admin_pages() -> set[str]:
    """The names of Django's own model pages of the admin that the portal does not override."""
    names = set()
    for model, model_admin in admin.site._registry.items():
        for kind in STOCK_KINDS:
            owner = next(cls for cls in type(model_admin).__mro__ if f"{kind}_view" in vars(cls))
            if not _portal_code(owner):
                names.add(f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}")
    return names


def covered_routes() -> tuple[set[str], list[str]]:
    """The names of the URL patterns this matrix must cover, and the patterns without a name."""
    stock = stock_admin_pages()
    names, unnamed = set(), []
    for route in ROUTES:
        if route.name is None:
            # The admin's catch-all and its "object id without /change/" redirect are Django's.
            if not route.is_admin:
                unnamed.append(route.template)
            continue
        if route.name not in stock:
            names.add(route.name)
    return names, unnamed


def test_every_url_has_a_row():
    names, unnamed = covered_routes()
    assert not unnamed, f"name these URL patterns, then give them a row: {unnamed}"
    missing = names - MATRIX.keys()
    assert not missing, f"decide who may open these pages: add rows to MATRIX for {sorted(missing)}"
    stale = MATRIX.keys() - names
    assert not stale, f"the matrix has rows for pages that no longer exist: {sorted(stale)}"


def test_the_matrix_covers_every_custom_admin_view():
    """The views the portal adds to the admin, and the admin pages it overrides, are in the matrix."""
    names, _unnamed = covered_routes()
    assert {
        "admin:placements_journey",
        "admin:candidates_application_move",
        "admin:candidates_importjob_change",  # overridden: the dry-run report
        "admin:notifications_broadcast_change",  # overridden: the preview
        "admin:candidates_application_changelist",  # overridden
        "dashboard:program",
    } <= names
    assert "admin:programs_program_changelist" not in names  # stock: Django checks it


# --- Staff who may only look ---------------------------------------------------------------------
# The admin pages that change something, posted to by staff holding only the permission to look:
# refused (what they get), and nothing changes. The form field names the page's form to run.

# fmt: off
LOOK_ONLY: dict[str, tuple[str, str, dict]] = {
    # url name                                 the permission to look           a POST gets  the form posted
    "admin:candidates_application_move":       ("candidates.view_application",   MISSING,     {"to_stage": "rejected", "reason": "x"}),
    "admin:candidates_application_scores":     ("candidates.view_application",   MISSING,     {}),
    "admin:candidates_application_shortlist":  ("candidates.view_application",   DENIED,      {"application": ["1", "2"]}),
    "admin:candidates_importjob_confirm":      ("candidates.view_importjob",     DENIED,      {"confirm": "1"}),
    "admin:candidates_importjob_resume":       ("candidates.view_importjob",     DENIED,      {"confirm": "1"}),
    "admin:candidates_importjob_fail":         ("candidates.view_importjob",     DENIED,      {"reason": "x"}),
    "admin:notifications_broadcast_send":      ("notifications.view_broadcast",  MISSING,     {"confirm": "1"}),
    "admin:complaints_complaint_triage":       ("complaints.view_complaint",     DENIED,      {"action": "priority", "priority": "urgent"}),
    "admin:placements_journey":                ("placements.view_placement",     DENIED,      {"action": "status", "to_status": "departed"}),
}
# fmt: on


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LOOK_ONLY))
def test_staff_who_may_only_look_change_nothing(name, world, private_media):
    permission, expected, data = LOOK_ONLY[name]
    row = MATRIX[name]
    user = _staff_with((permission,))
    before = {key: snapshot(world) for key, snapshot in SNAPSHOTS.items()}
    response = staff_client(user).post(path_for(name, row, world), data)
    assert outcome_of(response) == expected, f"{response.status_code} {response.get('Location', '')}"
    assert {key: snapshot(world) for key, snapshot in SNAPSHOTS.items()} == before
    assert not Complaint.objects.filter(pk=world.at["complaint"], priority="urgent").exists()


# --- Bulk actions of the admin --------------------------------------------------------------------
# An action is posted to a list page, which staff who may only look at the list can open: each of
# the portal's actions must name the permission it needs, or it is offered to them too.

ACTIONS: dict[str, str | tuple[str, ...]] = {
    # Removing someone's authenticator app and recovery codes.
    "accounts.user reset_second_factor": ("otp_totp.delete_totpdevice", "otp_static.delete_staticdevice"),
    # Documents have no bulk "verify": each is verified on its own page, once opened.
    "candidates.application advance_selected": "candidates.change_application",
    "candidates.application reject_selected": "candidates.change_application",
    "notifications.delivery send_again": "notifications.change_delivery",
    **{
        f"programs.program make_{status}": "programs.change_program"
        for status in (
            "published",
            "draft",
            "recruitment_closed",
            "selection",
            "training",
            "deployed",
            "closed",
        )
    },
}


def portal_actions() -> dict[str, object]:
    """Every bulk action of the portal's model admins ("app.model name" -> the model admin)."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        if not _portal_code(type(model_admin)):
            continue
        for _function, name, _description in model_admin._get_base_actions():
            if name != "delete_selected":  # Django's own: needs the permission to delete
                found[f"{model._meta.label_lower} {name}"] = model_admin
    return found


def test_every_admin_action_has_a_row():
    found = portal_actions()
    assert not found.keys() - ACTIONS.keys(), (
        f"decide who may run these actions: {sorted(found.keys() - ACTIONS.keys())}"
    )
    assert not ACTIONS.keys() - found.keys(), (
        f"these actions no longer exist: {sorted(ACTIONS.keys() - found.keys())}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_action_is_offered_only_with_its_permission(action, rf):
    model_admin = portal_actions()[action]
    name = action.split(" ")[1]
    meta = model_admin.model._meta
    view_only = f"{meta.app_label}.view_{meta.model_name}"
    offered = {}
    needed = ACTIONS[action]
    needed = (needed,) if isinstance(needed, str) else needed
    for who, perms in {"with": needed, "view only": (view_only,)}.items():
        request = rf.get("/")
        request.user = _staff_with(perms)
        offered[who] = name in model_admin.get_actions(request)
    assert offered == {"with": True, "view only": False}


# --- The world ---------------------------------------------------------------------------------


@dataclass
class World:
    users: dict  # visitor -> user (None for anonymous); "staff" is per permission set
    staff_by_perms: dict  # permission tuple -> user
    at: dict  # name -> an id, or the URL's keyword arguments
    media_root: object


def _staff_with(perms: tuple[str, ...]):
    user = UserFactory(role=Role.STAFF, is_staff=True)
    if perms:
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    else:
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


def build_world() -> World:
    seeded = seed()
    me, other = seeded.candidate, seeded.other
    complaint = complaint_services.complaint_file(
        candidate=me,
        category=ComplaintCategory.UNPAID_WAGES,
        description="Gaji belum dibayar; slip gaji terlampir.",
        application=None,
        attachment=SimpleUploadedFile("slip.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    application = seeded.applications[0]  # mine, offered a seat
    assert application.candidate_id == me.pk
    uid = urlsafe_base64_encode(force_bytes(me.user.pk))
    staff_by_perms = {perms: _staff_with(perms) for perms in {row.perms for row in MATRIX.values()}}
    return World(
        users={
            "anonymous": None,
            "owner": me.user,
            "other": other.user,
            "staff_without": UserFactory(role=Role.STAFF, is_staff=True),
            "partner": seeded.partner_user,
        },
        staff_by_perms=staff_by_perms,
        at={
            "document": Document.objects.get(candidate=me, original_name="ktp.pdf").pk,  # a stored file
            "certificate": seeded.objects["certificate"][0],
            "skill": seeded.objects["skill"][0],
            "complaint": complaint.pk,
            "application": application.pk,
            "import_job": seeded.objects["import_job"][0],
            "broadcast": seeded.objects["broadcast"][0],
            "program": seeded.program.pk,
            "open_program": {"code": seeded.open_program.code},
            "csv": {"file_format": "csv"},
            "wrong_token": {"uidb64": uid, "token": "abc-0123456789abcdef"},
            "program_on_site": {
                "content_type_id": ContentType.objects.get_for_model(seeded.program).pk,
                "object_id": seeded.program.pk,
            },
            "candidates_app": {"app_label": "candidates"},
            "owner_user": {"id": me.user.pk},
        },
        media_root=seeded.media_root,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeded once for the module inside a transaction rolled back at its end; each case runs in
    a savepoint of its own."""
    media = tmp_path_factory.mktemp("private-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def private_media(settings, world):
    settings.MEDIA_ROOT = world.media_root
    return settings.MEDIA_ROOT


# What a refused visitor must leave as it was.
SNAPSHOTS = {
    "certificates": lambda world: CompetencyCertificate.objects.filter(
        candidate__user=world.users["owner"]
    ).count(),
    "languages": lambda world: LanguageSkill.objects.filter(candidate__user=world.users["owner"]).count(),
    "stage": lambda world: Application.objects.get(pk=world.at["application"]).stage,
    "import_job": lambda world: ImportJob.objects.values_list("status", "rows_created").get(
        pk=world.at["import_job"]
    ),
    "broadcast": lambda world: Broadcast.objects.values_list("sent_at", "recipients").get(
        pk=world.at["broadcast"]
    ),
}


# --- Visiting --------------------------------------------------------------------------------


def staff_client(user) -> Client:
    """A ministry staff member's browser, signed in with the second step passed.

    (Every staff client of the matrix comes from here.)
    """
    client = Client()
    verified_login(client, user)
    return client


def client_for(who: str, user) -> Client:
    if user is None:
        return Client()
    if who in {"staff", "staff_without"}:
        return staff_client(user)
    client = Client()
    if who == "partner":
        verified_login(client, user)  # partners sign in with a second factor too
    else:
        client.force_login(user)
    return client


def path_for(name: str, row: Row, world: World, *, object_id=None) -> str:
    kwargs = {}
    if row.at is not None:
        value = world.at[row.at]
        if isinstance(value, dict):
            kwargs = value
        else:
            (param,) = next(route.params for route in ROUTES if route.name == name)
            kwargs = {param: object_id if object_id is not None else value}
    with translation.override("id"):
        return reverse(name, kwargs=kwargs) + row.query


def login_paths() -> set[str]:
    with translation.override("id"):
        return {reverse("accounts:login"), reverse("admin:login")}


def outcome_of(response) -> str:
    status = response.status_code
    if status in {301, 302, 303, 307, 308}:
        return LOGIN if urlsplit(response["Location"]).path in login_paths() else OK
    if 200 <= status < 300:
        return OK
    return {400: BAD, 403: DENIED, 404: MISSING}.get(status, f"status {status}")


def visit(client: Client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, {})


def _cases():
    for name in MATRIX:
        for who in VISITORS:
            marks = []
            if (name, who) in EXPECTED_FAILURES:
                marks = [pytest.mark.xfail(strict=True, reason=EXPECTED_FAILURES[(name, who)])]
            yield pytest.param(name, who, marks=marks, id=f"{name} {who}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who"), list(_cases()))
def test_visitor(name, who, world, private_media):
    row = MATRIX[name]
    expected = getattr(row, who)
    user = world.staff_by_perms[row.perms] if who == "staff" else world.users[who]
    client = client_for(who, user)
    path = path_for(name, row, world)
    snapshot = SNAPSHOTS[row.unchanged] if row.unchanged else None
    before = snapshot(world) if snapshot else None

    response = visit(client, row.method, path)

    got = outcome_of(response)
    location = response.get("Location", "")
    assert got == expected, f"{who} {row.method} {path}: {response.status_code} {location}".strip()
    if snapshot and got != OK:
        assert snapshot(world) == before, f"{who} was refused, yet {row.unchanged} changed"
    if expected == MISSING and row.at is not None and not isinstance(world.at[row.at], dict):
        # "Not yours" is exactly "not there": the same status and the same page.
        absent = visit(client, row.method, path_for(name, row, world, object_id=MISSING_ID))
        assert absent.status_code == response.status_code
        assert _page(absent, MISSING_ID) == _page(response, world.at[row.at])


def _page(response, object_id) -> str:
    """The page without what differs on every response (the CSRF token) or with the address."""
    text = response.content.decode(errors="replace").replace(f"/{object_id}/", "/<id>/")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
