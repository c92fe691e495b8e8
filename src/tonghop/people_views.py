"""Pages of tonghop.people: "Forgot password", the links that set a password (reset,
invitation), the forced change of a password someone else set, and the office's people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tonghop import errors, people
from tonghop.access import signed_in_user
from tonghop.forms import CleanInputForm
from tonghop.orgs.models import Role, Unit, User
from tonghop.orgs.tokens import invitation_tokens


class ForgotForm(CleanInputForm, forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)


@require_http_methods(["GET", "POST"])
def forgot(request: HttpRequest) -> HttpResponse:
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        people.request_password_reset(form.cleaned_data["email"], request)
        # The same answer whether the address has an account or not.
        return redirect("password-forgot-sent")
    status = 400 if request.method == "POST" else 200
    context = {"form": form}
    return TemplateResponse(request, "registration/password_forgot.html", context, status=status)


def forgot_sent(request: HttpRequest) -> HttpResponse:
    context = {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    return TemplateResponse(request, "registration/password_forgot_sent.html", context)


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's link check (the token in the address moves to the session first), for an
    active account only; afterwards the person signs in with the new password."""

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("login")
    how = "password_reset"

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        return user if isinstance(user, User) and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        assert isinstance(user, User)
        people.password_chosen(user, self.how, self.request)
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.how == "invitation_accepted"
        return context


reset_confirm = _SetPasswordView.as_view()
invitation_accept = _SetPasswordView.as_view(
    token_generator=invitation_tokens, how="invitation_accepted"
)


class _ChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        assert isinstance(user, User)
        people.password_chosen(user, "password_changed", self.request)
        messages.success(self.request, _("Your password is changed."))
        return response


password_change = _ChangeView.as_view()


# --- The office's people ----------------------------------------------------------------


class InviteForm(CleanInputForm, forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    username = forms.CharField(
        label=gettext_lazy("User name (empty: from the email)"), max_length=150, required=False
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit (for a reporter)"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, office: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tree = [u.pk for u in people.office_tree(office) if u.pk != office.pk]
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(pk__in=tree, is_active=True).order_by("name")


def _office(request: HttpRequest) -> tuple[User, Unit]:
    user = signed_in_user(request)
    offices = people.managed_offices(user)
    if not offices:
        # Not theirs to see: as every page of an office, not found (no hint it exists).
        raise Http404
    wanted = request.GET.get("office") or request.POST.get("office") or ""
    for office in offices:
        if office.code == wanted:
            return user, office
    return user, offices[0]


def _back(office: Unit) -> HttpResponse:
    return redirect(f"{reverse('people:list')}?office={office.code}")


@login_required
@require_http_methods(["GET", "POST"])
def people_list(request: HttpRequest) -> HttpResponse:
    user, office = _office(request)
    form = InviteForm(request.POST or None, office=office)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = people.invite(
                    user,
                    office,
                    email=data["email"],
                    full_name=data["full_name"],
                    role=data["role"],
                    unit=data["unit"],
                    username=data["username"],
                    request=request,
                )
            except errors.Invalid as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s is invited: the link to set a password is on its way.")
                    % {"name": person.display_name()},
                )
                return _back(office)
        else:
            status = 400
    context = {
        "office": office,
        "offices": people.managed_offices(user),
        "people": people.people_of(office),
        "form": form,
        "office_roles": [(r.value, r.label) for r in Role.office_roles()],
        "me": user,
    }
    return TemplateResponse(request, "people/list.html", context, status=status)


def _person(request: HttpRequest, pk: int) -> tuple[User, Unit, User]:
    user, office = _office(request)
    return user, office, get_object_or_404(User, pk=pk)


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    user, office, person = _person(request, pk)
    people.resend_invitation(user, office, person, request)
    messages.success(request, _("A new invitation is on its way; the old link no longer works."))
    return _back(office)


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user, office, person = _person(request, pk)
    active = request.POST.get("active") == "1"
    people.set_active(user, office, person, active, request)
    if active:
        messages.success(request, _("The account works again."))
    else:
        messages.success(
            request, _("The account is disabled: its sessions and API tokens stopped.")
        )
    return _back(office)


@login_required
@require_POST
def set_roles(request: HttpRequest, pk: int) -> HttpResponse:
    user, office, person = _person(request, pk)
    people.set_office_roles(user, office, person, request.POST.getlist("roles"), request)
    messages.success(request, _("The roles are saved."))
    return _back(office)
