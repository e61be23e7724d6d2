from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("me/complaints/", views.complaint_list, name="list"),
    path("me/complaints/<int:complaint_id>/", views.complaint_detail, name="detail"),
    path("me/complaints/<int:complaint_id>/attachment/", views.complaint_attachment, name="attachment"),
]
