from django.urls import path

from . import second_factor_views as views

app_name = "second_factor"

urlpatterns = [
    path("", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("new-codes/", views.new_codes, name="new_codes"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
