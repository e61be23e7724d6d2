from django.contrib import admin
from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", admin.site.admin_view(views.index), name="index"),
    path("<int:program_id>/", admin.site.admin_view(views.program), name="program"),
]
