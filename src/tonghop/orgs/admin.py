from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from tonghop.audit import records
from tonghop.orgs.models import Membership, Unit, User

# The flags of a user that grant or take away access: each change is a permission change.
ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


def _membership_details(membership: Membership, change: str) -> dict[str, Any]:
    return {
        "change": change,
        "id": membership.pk,
        "user": membership.user.get_username(),
        "unit": membership.unit.code,
        "role": membership.role,
    }


class SetPasswordForOwnerForm(AdminPasswordChangeForm[User]):
    """A password an administrator types is a temporary one: its owner changes it at the next
    sign-in (tonghop.middleware.PasswordChangeMiddleware)."""

    def save(self, commit: bool = True) -> Any:
        user = self.user
        if isinstance(user, User):
            user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class TonghopUserAdmin(UserAdmin[User]):
    inlines = [MembershipInline]
    change_password_form = SetPasswordForOwnerForm
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("tonghop", {"fields": ("full_name", "phone", "must_change_password")}),
    )
    list_display = ("username", "full_name", "email", "is_active")

    # Every permission change made here goes to the audit log (tonghop.audit), beside the
    # generic record of the admin change.

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        before = User.objects.filter(pk=obj.pk).values(*ACCESS_FLAGS).first() if change else None
        if not change and obj.has_usable_password():
            obj.must_change_password = True  # typed by the administrator, not its owner
        super().save_model(request, obj, form, change)
        for flag in ACCESS_FLAGS:
            old = before[flag] if before else None
            new = getattr(obj, flag)
            # A new account: only the flags that grant more than the default are news.
            if (old != new) if before else (new and flag != "is_active"):
                details = {"change": flag, "user": obj.get_username(), "from": old, "to": new}
                records.permission_change(request, obj, obj, details)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[User],
        formsets: list[BaseInlineFormSet[Any, Any, Any]],
        change: bool,
    ) -> None:
        user = form.instance
        before = {
            "groups": set(user.groups.values_list("name", flat=True)),
            "user_permissions": {
                f"{app}.{code}"
                for app, code in user.user_permissions.values_list(
                    "content_type__app_label", "codename"
                )
            },
        }
        super().save_related(request, form, formsets, change)
        after = {
            "groups": set(user.groups.values_list("name", flat=True)),
            "user_permissions": {
                f"{app}.{code}"
                for app, code in user.user_permissions.values_list(
                    "content_type__app_label", "codename"
                )
            },
        }
        for field, old in before.items():
            new = after[field]
            if old != new:
                details = {
                    "change": field,
                    "user": user.get_username(),
                    "added": sorted(new - old),
                    "removed": sorted(old - new),
                }
                records.permission_change(request, user, user, details)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[User],
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        # Deleted rows lose their id when deleted: take their description first.
        removed = [
            (f.instance, _membership_details(f.instance, "removed"))
            for f in formset.deleted_forms
            if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        user = form.instance
        for membership, details in removed:
            records.permission_change(request, user, membership, details)
        for membership in formset.new_objects:
            records.permission_change(
                request, user, membership, _membership_details(membership, "added")
            )
        for membership, fields in formset.changed_objects:
            details = {**_membership_details(membership, "changed"), "fields": fields}
            records.permission_change(request, user, membership, details)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "code", "kind", "parent", "contact_name", "email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
