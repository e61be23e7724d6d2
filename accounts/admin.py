from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from p2mi_portal.admin import ReadOnlyAdminMixin
from p2mi_portal.errors import DomainError

from . import second_factor, services
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
    list_display = (
        "email",
        "full_name",
        "role",
        "partner",
        "is_active",
        "is_staff",
        "has_second_factor",
        "last_login",
    )
    actions = ("reset_second_factor",)
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

    def get_queryset(self, request: HttpRequest):
        apps = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(apps))

    @admin.display(description=_("authenticator app"), boolean=True)
    def has_second_factor(self, user: User) -> bool | None:
        if not second_factor.is_eligible(user):
            return None
        return user.has_app

    @admin.action(description=_("Reset the second factor of the selected users"), permissions=["reset_otp"])
    def reset_second_factor(self, request: HttpRequest, queryset) -> None:
        try:
            count = second_factor.second_factor_reset(actor=request.user, users=list(queryset))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            _(
                "The second factor of %(count)s users was removed: they set up an authenticator app "
                "again when they next sign in."
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_reset_otp_permission(self, request: HttpRequest) -> bool:
        return second_factor.can_reset(request.user)


# Devices are set up by their owner only (accounts.second_factor); staff can only remove them
# (the action above), never add one for someone else or see a key.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

admin.site.unregister(APIKey)  # the portal's keys are PartnerAPIKey, bound to a partner user


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(ReadOnlyAdminMixin, APIKeyModelAdmin):
    admin_writes = ("add", "change")  # revoke instead: the access log keeps pointing at the key
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

    def save_model(self, request: HttpRequest, obj: PartnerAPIKey, form, change: bool) -> None:
        data = form.cleaned_data
        values = {name: data.get(name, getattr(obj, name)) for name in ("name", "expiry_date", "revoked")}
        if change:
            services.partner_api_key_update(actor=request.user, api_key=obj, **values)
            return
        created, key = services.partner_api_key_create(actor=request.user, user=data["user"], **values)
        for field in PartnerAPIKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        self.message_user(
            request,
            _(
                "The API key for %(name)s is: %(key)s — copy it now and give it to the partner safely: "
                "it is stored only as a hash and will not be shown again."
            )
            % {"name": obj.name, "key": key},
            messages.WARNING,
        )
