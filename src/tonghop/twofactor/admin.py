"""django-otp's device admins, on our audited admin site, with one more action: reset a
person's two-step verification (a lost phone), which removes all their devices and writes a
permission change to the audit log.

The audited site (tonghop.audit.admin_site) wraps every admin registered on it, so deleting a
device by hand is logged too. With OTP_ADMIN_HIDE_SENSITIVE_DATA (settings) administrators
never see a person's secret or backup codes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import (
    StaticDeviceAdmin,
)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from tonghop.orgs.models import User
from tonghop.twofactor import actions


@admin.action(description=_("Reset two-step verification of these people"))
def reset_two_step(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    people = list(User.objects.filter(pk__in=queryset.values("user")))
    for person in people:
        actions.reset(request, person)
    modeladmin.message_user(
        request,
        ngettext(
            "Two-step verification was reset for %(count)d person.",
            "Two-step verification was reset for %(count)d people.",
            len(people),
        )
        % {"count": len(people)},
        messages.SUCCESS,
    )


class ResettableTOTPDeviceAdmin(TOTPDeviceAdmin):  # type: ignore[misc]
    actions = [reset_two_step]


class ResettableStaticDeviceAdmin(StaticDeviceAdmin):  # type: ignore[misc]
    actions = [reset_two_step]


# django-otp's own admin modules register first (INSTALLED_APPS order); replace them.
for model, model_admin in (
    (TOTPDevice, ResettableTOTPDeviceAdmin),
    (StaticDevice, ResettableStaticDeviceAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
