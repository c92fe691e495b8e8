from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tonghop.orgs.models import Membership, Unit, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


@admin.register(User)
class TonghopUserAdmin(UserAdmin[User]):
    inlines = [MembershipInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("tonghop", {"fields": ("full_name", "phone")}))
    list_display = ("username", "full_name", "email", "is_active")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "code", "kind", "parent", "contact_name", "email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
