"""The head's signing and issuing on the compilation page, and the signature check page."""

from __future__ import annotations

import base64
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tonghop.access import posted_version, signed_in_user
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.compilation.actions import CompilationError
from tonghop.compilation.forms import IssueForm, OfficeKeyForm, VerifyForm
from tonghop.compilation.views import appendix_choices, get_compilation_for_staff
from tonghop.dispatch.signatures import UnreadablePdf, read_signatures
from tonghop.issuing import actions
from tonghop.issuing.images import MAX_BYTES, BadImage, checked_png
from tonghop.issuing.signing import demo_crl_path, verification_lines
from tonghop.orgs.models import Role, Unit, User
from tonghop.pki import trust_roots


@login_required
@require_POST
def sign(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    """The head signs the submitted report with his own key."""
    compilation = get_compilation_for_staff(request, slug, uid)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the passphrase of the signing key."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        actions.sign(
            signed_in_user(request),
            compilation.pk,
            passphrase=form.cleaned_data["passphrase"],
            expected_version=posted_version(request),
            correction=form.cleaned_data["correction"],
            correction_reason=form.cleaned_data["correction_reason"],
        )
    except CompilationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Signed. The clerk can now number and issue the report."))
    return redirect("compilation:detail", slug=slug, uid=uid)


@login_required
@require_POST
def issue(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    """The clerk numbers, dates and issues the signed report with the office's signature."""
    compilation = get_compilation_for_staff(request, slug, uid)
    choices = appendix_choices(compilation) if request.POST.getlist("separate") else []
    form = OfficeKeyForm(request.POST, appendices=choices)
    if not form.is_valid():
        if "separate" in form.errors:
            messages.error(request, _("The report has no such appendix; nothing was issued."))
        else:
            messages.error(request, _("Type the passphrase of the signing key."))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        done = actions.issue(
            signed_in_user(request),
            compilation.pk,
            passphrase=form.cleaned_data["passphrase"],
            expected_version=posted_version(request),
            separate=tuple(form.cleaned_data["separate"]),
        )
    except CompilationError as exc:
        messages.error(request, str(exc))
    else:
        assert done.document is not None
        messages.success(
            request,
            _("Signed and issued as no. %(reference)s.") % {"reference": done.document.reference()},
        )
    return redirect("compilation:detail", slug=slug, uid=uid)


MAX_VERIFY_BYTES = 50 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check every signature of an uploaded PDF: who, when, intact, trusted."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    results = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_VERIFY_BYTES:
                form.add_error("file", _("The file is too large: at most %(mb)s MB.") % {"mb": 50})
                status = 400
            else:
                data = upload.read()
                if not data.startswith(b"%PDF"):
                    form.add_error("file", _("This is not a PDF file."))
                    status = 400
                else:
                    try:
                        results = read_signatures(data, trust_roots())
                    except UnreadablePdf:
                        # Not "no signature": nothing could be read to find one.
                        form.add_error(
                            "file",
                            _(
                                "The file could not be read as a PDF: it is damaged, cut short "
                                "or not a PDF at all, so its digital signatures cannot be checked."
                            ),
                        )
                        status = 400
        else:
            status = 400
    context = {
        "form": form,
        "results": results,
        "lines": verification_lines(results) if results else [],
    }
    return TemplateResponse(request, "issuing/verify.html", context, status=status)


class ImageForm(forms.Form):
    image = forms.FileField(label=gettext_lazy("PNG image with a transparent background"))


SEAL_ROLES = (Role.HEAD, Role.CLERK, Role.ADMIN)


@login_required
@require_http_methods(["GET", "POST"])
def images(request: HttpRequest) -> HttpResponse:
    """Each person's signature image and each office's seal image, uploaded once (ND 30 PL I,
    II.7.c and II.8.a); the signatures show them at ô 7c and ô 8."""
    user = signed_in_user(request)
    offices = list(
        Unit.objects.filter(memberships__user=user, memberships__role__in=SEAL_ROLES)
        .distinct()
        .order_by("name")
    )
    if not user.office_units().exists():
        raise Http404
    status = 200
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        target = request.POST.get("target", "")
        form = ImageForm(request.POST, request.FILES)
        office = next((o for o in offices if f"seal-{o.pk}" == target), None)
        if target != "signature" and office is None:
            raise Http404
        if not form.is_valid():
            errors[target] = [_("Choose a PNG file.")]
            status = 400
        else:
            upload = form.cleaned_data["image"]
            try:
                data = checked_png(upload.read(MAX_BYTES + 1))
            except BadImage as exc:
                errors[target] = [str(exc)]
                status = 400
            else:
                with transaction.atomic():
                    if office is None:
                        User.objects.filter(pk=user.pk).update(signature_png=data)
                    else:
                        Unit.objects.filter(pk=office.pk).update(seal_png=data)
                    record(
                        Action.DATA,
                        request=request,
                        obj=office or user,
                        details={"image": "seal" if office else "signature"},
                    )
                messages.success(request, _("The image was saved."))
                return redirect("signing-images")
    user.refresh_from_db()
    for office in offices:
        office.refresh_from_db(fields=["seal_png"])
    context = {
        "signature": _data_uri(bytes(user.signature_png)),
        "seals": [
            (o, _data_uri(bytes(o.seal_png)), errors.get(f"seal-{o.pk}", [])) for o in offices
        ],
        "form": ImageForm(),
        "errors": errors,
    }
    return TemplateResponse(request, "issuing/images.html", context, status=status)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""


def demo_crl(request: HttpRequest) -> HttpResponse:
    """The demo authority's revocation list, at the address its certificates name: public,
    as a CA's CRL is, so any validator can fetch it."""
    from django.conf import settings

    path = demo_crl_path(Path(settings.TONGHOP_DEMO_ROOT).parent)
    if not path.is_file():
        raise Http404
    return HttpResponse(path.read_bytes(), content_type="application/pkix-crl")
