"""The person's own API tokens: make one (shown once), see when each was last used, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tonghop.access import signed_in_user
from tonghop.api import tokens
from tonghop.api.models import ApiToken
from tonghop.forms import CleanInputForm


class TokenForm(CleanInputForm, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name (which program uses it)"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TokenForm(request.POST or None)
    made: str | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, made = tokens.issue_token(
                    user, form.cleaned_data["name"], days=form.cleaned_data["days"], request=request
                )
                form = TokenForm()
            except tokens.TokenRefused as exc:
                form.add_error(None, str(exc))
                status = 400
        else:
            status = 400
    context = {
        "form": form,
        "made": made,
        "tokens": list(ApiToken.objects.filter(user=user)[:100]),
        "now": timezone.now(),
    }
    response = TemplateResponse(request, "api/tokens.html", context, status=status)
    # The page may hold a token shown once: no cache may keep it.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.revoke_token(signed_in_user(request), pk, request=request)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens:list")
