from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import PartnerAPIKey, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "partner")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "partner", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "partner")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "language")}),
        (_("Role"), {"fields": ("role", "partner")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "partner", "password1", "password2"),
            },
        ),
    )


admin.site.unregister(APIKey)  # the portal's keys are PartnerAPIKey, bound to a partner user


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ("prefix", "name", "partner", "user", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("revoked", "user__partner")
    search_fields = ("name", "prefix", "user__email", "user__partner__name")
    list_select_related = ("user__partner",)
    autocomplete_fields = ()

    @admin.display(description=_("partner organisation"), ordering="user__partner__name")
    def partner(self, api_key: PartnerAPIKey):
        return api_key.user.partner

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "user") if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoke instead: the access log keeps pointing at the key

    def save_model(self, request: HttpRequest, obj: PartnerAPIKey, form, change: bool) -> None:
        if change:
            obj.save()
            return
        key = PartnerAPIKey.objects.assign_key(obj)
        obj.save()
        self.message_user(
            request,
            _(
                "The API key for %(name)s is: %(key)s — copy it now and give it to the partner safely: "
                "it is stored only as a hash and will not be shown again."
            )
            % {"name": obj.name, "key": key},
            messages.WARNING,
        )
