from django.urls import path

from . import views

app_name = "candidates"

urlpatterns = [
    path("me/", views.home, name="home"),
    path("me/profile/", views.profile, name="profile"),
    path("me/profile/certificates/", views.certificate_add, name="certificate_add"),
    path(
        "me/profile/certificates/<int:certificate_id>/remove/",
        views.certificate_remove,
        name="certificate_remove",
    ),
    path("me/profile/languages/", views.language_add, name="language_add"),
    path("me/profile/languages/<int:skill_id>/remove/", views.language_remove, name="language_remove"),
    path("me/documents/", views.documents, name="documents"),
    path("me/documents/<int:document_id>/download/", views.document_download, name="document_download"),
    path("me/applications/<int:application_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path("me/applications/<int:application_id>/offer/", views.offer_answer, name="offer_answer"),
    path("me/data/", views.data_rights, name="data"),
    path("me/data/export/", views.data_export, name="data_export"),
    path("program/<slug:code>/apply/", views.apply, name="apply"),
]
