"""The partner API, version 1: ``/api/v1/…``."""

from django.urls import path

from candidates import api as candidates_api
from placements import api as placements_api
from programs import api as programs_api

app_name = "api"

urlpatterns = [
    path("programs/", programs_api.ProgramListView.as_view(), name="program-list"),
    path("programs/<slug:code>/", programs_api.ProgramDetailView.as_view(), name="program-detail"),
    path("applications/", candidates_api.ApplicationListView.as_view(), name="application-list"),
    path(
        "applications/<int:application_id>/",
        candidates_api.ApplicationDetailView.as_view(),
        name="application-detail",
    ),
    path(
        "applications/<int:application_id>/documents/<int:document_id>/",
        candidates_api.ApplicationDocumentView.as_view(),
        name="application-document",
    ),
    path(
        "applications/<int:application_id>/reviews/",
        candidates_api.ApplicationReviewView.as_view(),
        name="application-reviews",
    ),
    path(
        "applications/<int:application_id>/transition/",
        candidates_api.ApplicationTransitionView.as_view(),
        name="application-transition",
    ),
    path("enrolments/", placements_api.EnrolmentListView.as_view(), name="enrolment-list"),
    path(
        "enrolments/<int:enrolment_id>/assessments/",
        placements_api.AssessmentCreateView.as_view(),
        name="enrolment-assessments",
    ),
    path("placements/", placements_api.PlacementListView.as_view(), name="placement-list"),
    path(
        "placements/<int:placement_id>/grade-changes/",
        placements_api.GradeChangeCreateView.as_view(),
        name="placement-grade-changes",
    ),
    path(
        "placements/<int:placement_id>/status/",
        placements_api.PlacementStatusView.as_view(),
        name="placement-status",
    ),
]
