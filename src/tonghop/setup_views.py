"""Pages of tonghop.office_setup: the office, the checklist of what it still lacks, the test
message that checks the mail settings, and the unit tree (add, rename, move, retire, import
from a spreadsheet with a preview, export to Excel)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tonghop import errors, office_setup, people
from tonghop.access import signed_in_user
from tonghop.campaigns import actions as campaign_actions
from tonghop.campaigns.forms import UnitFileForm
from tonghop.campaigns.models import UnitImport
from tonghop.campaigns.unit_import import preview_rows
from tonghop.campaigns.unit_table import ImportFileError, read_table
from tonghop.forms import CleanInputForm
from tonghop.orgs.models import Unit, UnitKind, User
from tonghop.outbox import smtp as outbox_smtp


class OfficeForm(CleanInputForm, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name, as ND 30 writes it"),
        max_length=255,
        help_text="PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN",  # an example, not a text
    )
    parent_body = forms.CharField(label=gettext_lazy("Body above"), max_length=255, required=False)
    organ_id = forms.CharField(
        label=gettext_lazy("Organ code for exchange"), max_length=40, required=False
    )
    place = forms.CharField(
        label=gettext_lazy("Place (in “…, ngày … tháng … năm …”)"), max_length=100, required=False
    )
    short_name = forms.CharField(
        label=gettext_lazy("Abbreviation (in symbols and the Lưu line)"),
        max_length=40,
        required=False,
    )
    email = forms.EmailField(label=gettext_lazy("Office email"), required=False)


class TestMailForm(CleanInputForm, forms.Form):
    address = forms.EmailField(label=gettext_lazy("Send a test message to"), max_length=254)


class SmtpForm(CleanInputForm, forms.Form):
    host = forms.CharField(label=gettext_lazy("SMTP server"), max_length=253)
    port = forms.IntegerField(label=gettext_lazy("Port"), min_value=1, max_value=65535)
    security = forms.ChoiceField(
        label=gettext_lazy("Protection"),
        choices=[
            ("starttls", gettext_lazy("STARTTLS (usually port 587)")),
            ("ssl", gettext_lazy("SSL/TLS from the start (usually port 465)")),
            ("none", gettext_lazy("None (a server inside the office's network)")),
        ],
    )
    username = forms.CharField(label=gettext_lazy("User name"), max_length=254, required=False)
    # Never shown back: left empty, the saved password of the same server and user is kept.
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=254,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Left empty, the saved password is kept."),
    )
    from_address = forms.EmailField(label=gettext_lazy("Sender's address"), max_length=254)
    test_address = forms.EmailField(label=gettext_lazy("Send the test message to"), max_length=254)


SIGNING_CHOICES = [
    ("head", gettext_lazy("The head's key (signs the reports)")),
    ("office", gettext_lazy("The office's own key (the clerk's signature with the seal)")),
]


class P12Form(CleanInputForm, forms.Form):
    which = forms.ChoiceField(label=gettext_lazy("Which key"), choices=SIGNING_CHOICES)
    file = forms.FileField(label=gettext_lazy("PKCS#12 file (.p12, .pfx)"))
    passphrase = forms.CharField(
        label=gettext_lazy("Its passphrase (checked, kept nowhere)"),
        max_length=200,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )


class TokenForm(CleanInputForm, forms.Form):
    which = forms.ChoiceField(label=gettext_lazy("Which key"), choices=SIGNING_CHOICES)
    module = forms.CharField(
        label=gettext_lazy("PKCS#11 module"),
        max_length=500,
        help_text="/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",  # an example, not a text
    )
    token = forms.CharField(label=gettext_lazy("Token label"), max_length=100)
    key = forms.CharField(label=gettext_lazy("Key label"), max_length=100)
    pin = forms.CharField(
        label=gettext_lazy("PIN (checked, kept nowhere)"),
        max_length=64,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )


def _office(request: HttpRequest) -> tuple[User, Unit]:
    user = signed_in_user(request)
    offices = people.managed_offices(user)
    if not offices:
        # Not theirs to see: as every page of an office, not found (no hint it exists).
        raise Http404
    wanted = request.GET.get("office") or request.POST.get("office") or ""
    return user, next((o for o in offices if o.code == wanted), offices[0])


def _back(name: str, office: Unit) -> HttpResponse:
    return redirect(f"{reverse(name)}?office={office.code}")


@login_required
@require_http_methods(["GET", "POST"])
def office_page(request: HttpRequest) -> HttpResponse:
    user, office = _office(request)
    initial = {f: getattr(office, f) for f in office_setup.OFFICE_FIELDS}
    posted = request.POST if request.method == "POST" and "save-office" in request.POST else None
    form = OfficeForm(posted, initial=initial)
    test_form = TestMailForm(
        request.POST if request.method == "POST" and "test-mail" in request.POST else None,
        initial={"address": user.email},
    )
    smtp_form = SmtpForm(
        request.POST if request.method == "POST" and "save-smtp" in request.POST else None,
        initial=_smtp_initial(user),
        prefix="smtp",
    )
    p12_form = P12Form(
        request.POST if request.method == "POST" and "install-p12" in request.POST else None,
        request.FILES or None,
        prefix="p12",
    )
    token_form = TokenForm(
        request.POST if request.method == "POST" and "choose-token" in request.POST else None,
        prefix="token",
    )
    status = 200
    if smtp_form.is_bound:
        if smtp_form.is_valid():
            data = smtp_form.cleaned_data
            smtp_values = outbox_smtp.SmtpSettings(
                host=data["host"],
                port=data["port"],
                username=data["username"],
                password=data["password"],
                security=data["security"],
                from_address=data["from_address"],
            )
            try:
                office_setup.save_smtp(user, office, smtp_values, data["test_address"], request)
            except errors.Invalid as exc:
                smtp_form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("The test message was sent: the mail settings are saved.")
                )
                return _back("setup:office", office)
        status = 400
    elif p12_form.is_bound:
        if p12_form.is_valid():
            upload = p12_form.cleaned_data["file"]
            try:
                facts = office_setup.install_p12(
                    user,
                    office,
                    p12_form.cleaned_data["which"],
                    upload.read(office_setup.MAX_P12_BYTES + 1),
                    p12_form.cleaned_data["passphrase"],
                    request,
                )
            except errors.Invalid as exc:
                p12_form.add_error(None, str(exc))
            else:
                messages.success(request, _("The key opened and is saved: %(subject)s") % facts)
                return _back("setup:office", office)
        status = 400
    elif token_form.is_bound:
        if token_form.is_valid():
            data = token_form.cleaned_data
            try:
                facts = office_setup.choose_token(
                    user,
                    office,
                    data["which"],
                    module=data["module"],
                    token=data["token"],
                    key=data["key"],
                    pin=data["pin"],
                    request=request,
                )
            except errors.Invalid as exc:
                token_form.add_error(None, str(exc))
            else:
                messages.success(request, _("The key opened and is saved: %(subject)s") % facts)
                return _back("setup:office", office)
        status = 400
    elif posted is not None:
        if form.is_valid():
            values = {f: form.cleaned_data[f] or "" for f in office_setup.OFFICE_FIELDS}
            try:
                office_setup.update_office(user, office, values, request)
            except errors.Invalid as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The office's details are saved."))
                return _back("setup:office", office)
        status = 400
    elif test_form.is_bound:
        if test_form.is_valid():
            message = office_setup.send_test_mail(user, office, test_form.cleaned_data["address"])
            if message.status == "sent":
                messages.success(request, _("The test message was sent: mail works."))
            else:
                messages.error(
                    request,
                    _("The test message was not sent: %(error)s")
                    % {"error": message.last_error or message.get_status_display()},
                )
            return _back("setup:office", office)
        status = 400
    mailer = settings.MAILERS["default"]
    saved_smtp = outbox_smtp.saved() if outbox_smtp.in_use() else None
    context = {
        "office": office,
        "form": form,
        "test_form": test_form,
        "smtp_form": smtp_form,
        "smtp_saved": saved_smtp,
        "smtp_in_use": outbox_smtp.in_use(),
        "p12_form": p12_form,
        "token_form": token_form,
        "head_key": office_setup.signing_state("head"),
        "office_key": office_setup.signing_state("office"),
        "checklist": office_setup.checklist(office),
        "mail_backend": mailer.get("BACKEND", ""),
        "mail_host": saved_smtp.host if saved_smtp else mailer.get("OPTIONS", {}).get("host", ""),
        "mail_port": saved_smtp.port if saved_smtp else mailer.get("OPTIONS", {}).get("port", ""),
        "from_email": outbox_smtp.from_address(),
        "signing_key": settings.TONGHOP_SIGNING_P12,
        "signing_key_exists": Path(settings.TONGHOP_SIGNING_P12).is_file(),
        "last_test": office_setup.last_test_mail(),
    }
    return TemplateResponse(request, "setup/office.html", context, status=status)


def _smtp_initial(user: User) -> dict[str, Any]:
    """The saved settings, else the environment's; never the password."""
    saved = outbox_smtp.saved()
    if saved is not None:
        return {
            "host": saved.host,
            "port": saved.port,
            "security": saved.security,
            "username": saved.username,
            "from_address": saved.from_address,
            "test_address": user.email,
        }
    options = settings.MAILERS["default"].get("OPTIONS", {})
    return {
        "host": options.get("host", ""),
        "port": options.get("port", 587),
        "security": "starttls" if options.get("use_tls") else "none",
        "username": options.get("username", ""),
        "from_address": settings.DEFAULT_FROM_EMAIL,
        "test_address": user.email,
    }


class UnitForm(CleanInputForm, forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=255)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(k.value, k.label) for k in UnitKind if k != UnitKind.OFFICE],
    )
    parent = forms.ModelChoiceField(
        label=gettext_lazy("Under"), queryset=Unit.objects.none(), required=False
    )
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)

    def __init__(self, *args: Any, office: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(
            pk__in=[office.pk, *(u.pk for u in office.descendants())]
        ).order_by("name")
        field.empty_label = office.name


@login_required
@require_http_methods(["GET", "POST"])
def units_page(request: HttpRequest) -> HttpResponse:
    user, office = _office(request)
    form = UnitForm(
        request.POST if request.method == "POST" and "add-unit" in request.POST else None,
        office=office,
    )
    file_form = UnitFileForm(
        request.POST if request.method == "POST" and "import" in request.POST else None,
        request.FILES or None,
    )
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                office_setup.add_unit(
                    user,
                    office,
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    parent=data["parent"],
                    email=data["email"] or "",
                    request=request,
                )
            except errors.Invalid as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The unit is added."))
                return _back("setup:units", office)
        status = 400
    elif file_form.is_bound:
        if file_form.is_valid():
            upload = file_form.cleaned_data["file"]
            try:
                table = read_table(upload.read(), upload.name or "")
            except ImportFileError as exc:
                file_form.add_error("file", str(exc))
            else:
                unit_list, _plan = campaign_actions.store_unit_import(
                    office, table, upload.name or "", by=user
                )
                return redirect(
                    f"{reverse('setup:units-import', args=[unit_list.uid])}?office={office.code}"
                )
        status = 400
    rows = office_setup.tree_rows(office)
    merged = office_setup.merged_into([unit for _depth, unit in rows])
    context = {
        "office": office,
        "rows": [(depth, unit, merged.get(unit.pk, [])) for depth, unit in rows],
        "form": form,
        "file_form": file_form,
        "targets": [office, *(unit for _depth, unit in rows)],
    }
    return TemplateResponse(request, "setup/units.html", context, status=status)


def _unit(request: HttpRequest, pk: int) -> tuple[User, Unit, Unit]:
    user, office = _office(request)
    return user, office, get_object_or_404(Unit, pk=pk)


@login_required
@require_POST
def unit_change(request: HttpRequest, pk: int) -> HttpResponse:
    user, office, unit = _unit(request, pk)
    step = request.POST.get("step", "")
    if step == "rename":
        office_setup.rename_unit(user, office, unit, request.POST.get("name", "")[:300], request)
        messages.success(request, _("The unit is renamed."))
    elif step == "move":
        raw = request.POST.get("parent", "")
        parent = Unit.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if parent is None:
            raise errors.Invalid(_("Choose where the unit goes."))
        office_setup.move_unit(user, office, unit, parent, request)
        messages.success(request, _("The unit is moved."))
    elif step == "merge":
        raw = request.POST.get("into", "")
        survivor = Unit.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if survivor is None:
            raise errors.Invalid(_("Choose the unit it is merged into."))
        office_setup.merge_units(user, office, unit, survivor, request)
        messages.success(
            request,
            _("%(merged)s is merged into %(survivor)s.")
            % {"merged": unit.name, "survivor": survivor.name},
        )
    elif step in ("retire", "restore"):
        office_setup.set_unit_active(user, office, unit, step == "restore", request)
        messages.success(request, _("The unit's state is saved."))
    else:
        raise errors.Invalid(_("Choose what to do with the unit."))
    return _back("setup:units", office)


@login_required
@require_GET
def units_export(request: HttpRequest) -> HttpResponse:
    _user, office = _office(request)
    buffer = io.BytesIO()
    office_setup.write_tree_xlsx(office, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="don-vi-{office.code}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def units_import(request: HttpRequest, uid: str) -> HttpResponse:
    """The preview of a list for the office's tree. Any refused line refuses the whole list:
    nothing is half-imported."""
    user, office = _office(request)
    try:
        unit_list = campaign_actions.usable_unit_import(str(uid), user, office, None)
    except campaign_actions.ActionError:
        if not UnitImport.objects.filter(uid=uid, created_by=user).exists():
            raise Http404 from None
        messages.info(request, _("This unit list is no longer available: send the file again."))
        return _back("setup:units", office)
    plan = campaign_actions.plan_unit_import(unit_list)
    status = 200
    if request.method == "POST":
        if plan.errors:
            messages.error(
                request, _("Some lines are refused: correct the file and send it again.")
            )
            status = 400
        else:
            try:
                units = campaign_actions.apply_unit_import(
                    unit_list, by=user, expected_digest=request.POST.get("digest", "")[:64] or "-"
                )
            except campaign_actions.UnitListChanged as exc:
                messages.error(request, str(exc))
                plan, status = exc.plan, 409
            else:
                messages.success(
                    request, _("The unit list was applied: %(n)s units.") % {"n": len(units)}
                )
                return _back("setup:units", office)
    context = {
        "office": office,
        "unit_list": unit_list,
        "plan": plan,
        "rows": preview_rows(plan, office.name),
        "digest": plan.digest(),
    }
    return TemplateResponse(request, "setup/units_import.html", context, status=status)
