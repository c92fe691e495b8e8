"""The office's pages to change a campaign's form: its fields, its rules across fields, and the
versions kept once reports are in. Plain forms and buttons: they work on a phone without script.
Every change goes through formedit, which decides what may change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tonghop.access import signed_in_user
from tonghop.campaigns import formedit, kinds
from tonghop.campaigns.access import get_campaign_for_staff
from tonghop.campaigns.form_models import Aggregation, FormRule, FormVersion, Indicator, RuleOp
from tonghop.campaigns.kinds import IndicatorKind
from tonghop.campaigns.models import Campaign
from tonghop.forms import CleanInputForm

# Forms.


class IndicatorForm(CleanInputForm, forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=300)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Letters, digits and _ ; the column of the export. Left empty, it is made from "
            "the label. It cannot be changed later."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=IndicatorKind.choices)
    choices = forms.CharField(
        label=gettext_lazy("Options, one per line (for a choice)"),
        required=False,
        max_length=kinds.MAX_OPTIONS * (kinds.MAX_OPTION_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    section = forms.CharField(label=gettext_lazy("Section"), max_length=200, required=False)
    unit_of_measure = forms.CharField(
        label=gettext_lazy("Unit of measure"), max_length=40, required=False
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    min_value = forms.DecimalField(
        label=gettext_lazy("Minimum (numbers only)"),
        max_digits=18,
        decimal_places=4,
        required=False,
    )
    max_value = forms.DecimalField(
        label=gettext_lazy("Maximum (numbers only)"),
        max_digits=18,
        decimal_places=4,
        required=False,
    )
    help_text = forms.CharField(
        label=gettext_lazy("Help text shown to the unit"), max_length=500, required=False
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("How it is totalled"),
        choices=Aggregation.choices,
        help_text=gettext_lazy(
            "Numbers: sum, average, count or list. Text, dates and links: list or count. "
            "Yes/no: count of units answering yes, or list. Choice: units per option, or "
            "list. Files: number of files."
        ),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # Answers are stored under the code: it never changes once the field exists.
            del self.fields["code"]

    def fields_for_action(self) -> formedit.IndicatorFields:
        data = self.cleaned_data
        return formedit.IndicatorFields(
            label=data["label"],
            kind=data["kind"],
            aggregation=data["aggregation"],
            section=data["section"],
            unit_of_measure=data["unit_of_measure"],
            required=data["required"],
            min_value=data["min_value"],
            max_value=data["max_value"],
            help_text=data["help_text"],
            # Only a new line separates two options: the form has made every line break one
            # (tonghop.forms), and splitlines() would also split on control characters.
            choices=tuple(data["choices"].split("\n")),
        )


def _indicator_initial(indicator: Indicator) -> dict[str, Any]:
    def bound(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.normalize()

    return {
        "label": indicator.label,
        "kind": indicator.kind,
        "choices": "\n".join(indicator.choices or []),
        "section": indicator.section,
        "unit_of_measure": indicator.unit_of_measure,
        "required": indicator.required,
        "min_value": bound(indicator.min_value),
        "max_value": bound(indicator.max_value),
        "help_text": indicator.help_text,
        "aggregation": indicator.aggregation,
    }


_OPS = [(op.value, op.label) for op in RuleOp]


class RuleForm(CleanInputForm, forms.Form):
    if_indicator = forms.ModelChoiceField(
        label=gettext_lazy("If the field"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("(no condition: always)"),
    )
    if_op = forms.ChoiceField(
        label=gettext_lazy("Condition"), choices=[("", "—"), *_OPS], required=False
    )
    if_value = forms.CharField(label=gettext_lazy("Value"), max_length=300, required=False)
    then_indicator = forms.ModelChoiceField(
        label=gettext_lazy("Then the field"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
    )
    then_op = forms.ChoiceField(label=gettext_lazy("Requirement"), choices=_OPS)
    then_value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Typed as the unit would: 1.250, 2,5, có, 05/5/2025."),
    )
    then_other = forms.ModelChoiceField(
        label=gettext_lazy("Or compare with the field"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("(compare with the value)"),
    )
    message = forms.CharField(
        label=gettext_lazy("Message shown to the unit when the rule is broken"),
        max_length=300,
    )

    def __init__(self, campaign: Campaign, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicators = campaign.indicators.order_by("order", "pk")
        for name in ("if_indicator", "then_indicator", "then_other"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = indicators

    def fields_for_action(self) -> formedit.RuleFields:
        data = self.cleaned_data

        def code(name: str) -> str:
            found = data.get(name)
            return found.code if isinstance(found, Indicator) else ""

        return formedit.RuleFields(
            then_code=code("then_indicator"),
            then_op=data["then_op"],
            message=data["message"],
            then_value=data["then_value"],
            then_other_code=code("then_other"),
            if_code=code("if_indicator"),
            if_op=data["if_op"],
            if_value=data["if_value"],
        )


def _rule_initial(rule: FormRule) -> dict[str, Any]:
    def typed(indicator: Indicator | None, value: object) -> str:
        if indicator is None or kinds.is_blank(value):
            return ""
        if indicator.kind == IndicatorKind.YES_NO and isinstance(value, bool):
            return "có" if value else "không"
        return indicator.display_value(value)

    return {
        "if_indicator": rule.if_indicator.code if rule.if_indicator else "",
        "if_op": rule.if_op,
        "if_value": typed(rule.if_indicator, rule.if_value),
        "then_indicator": rule.then_indicator.code,
        "then_op": rule.then_op,
        "then_value": typed(rule.then_indicator, rule.then_value),
        "then_other": rule.then_other.code if rule.then_other else "",
        "message": rule.message,
    }


def _report_outcome(request: HttpRequest, outcome: formedit.Outcome) -> None:
    messages.success(request, outcome.summary)
    if outcome.version is not None:
        messages.info(
            request,
            _("Kept as version %(number)s of the form.") % {"number": outcome.version.number},
        )
    for notice in outcome.notices:
        messages.warning(request, notice)


def _put_errors(form: forms.Form, exc: formedit.FormChangeRefused) -> None:
    if isinstance(exc, formedit.InvalidDefinition):
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, str(exc))


# Pages.


@login_required
@require_safe
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    indicators = list(campaign.indicators.order_by("order", "pk"))
    rules = list(
        campaign.rules.select_related("if_indicator", "then_indicator", "then_other").order_by(
            "order", "pk"
        )
    )
    context = {
        "campaign": campaign,
        "indicators": indicators,
        "rules": rules,
        "versions": campaign.form_versions.select_related("created_by").order_by("-number"),
        "reports_in": campaign.assignments.filter(report__isnull=False).exists(),
        "closed": campaign.is_ended,
    }
    return TemplateResponse(request, "campaigns/form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    form = IndicatorForm(request.POST or None, initial={"aggregation": Aggregation.SUM})
    if request.method == "POST" and form.is_valid():
        try:
            outcome = formedit.add_indicator(
                signed_in_user(request),
                campaign.pk,
                form.cleaned_data["code"],
                form.fields_for_action(),
            )
        except formedit.FormChangeRefused as exc:
            _put_errors(form, exc)
        else:
            _report_outcome(request, outcome)
            return redirect("campaigns:form", slug=campaign.slug)
    context = {"campaign": campaign, "form": form, "indicator": None}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "campaigns/form_indicator.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    indicator = get_object_or_404(campaign.indicators, pk=pk)
    form = IndicatorForm(request.POST or None, initial=_indicator_initial(indicator), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = formedit.change_indicator(
                signed_in_user(request), indicator.pk, form.fields_for_action()
            )
        except formedit.FormChangeRefused as exc:
            _put_errors(form, exc)
        else:
            _report_outcome(request, outcome)
            return redirect("campaigns:form", slug=campaign.slug)
    context = {"campaign": campaign, "form": form, "indicator": indicator}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "campaigns/form_indicator.html", context, status=status)


def _direction(request: HttpRequest) -> formedit.Direction:
    direction = request.POST.get("direction")
    if direction == "up":
        return "up"
    if direction == "down":
        return "down"
    raise Http404


def _run(request: HttpRequest, slug: str, change: Any, *args: Any) -> HttpResponse:
    """Take a one-button change (move, remove) and go back to the form page with the outcome."""
    try:
        outcome = change(signed_in_user(request), *args)
    except formedit.FormChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        _report_outcome(request, outcome)
    return redirect("campaigns:form", slug=slug)


@login_required
@require_POST
def indicator_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    indicator = get_object_or_404(campaign.indicators, pk=pk)
    return _run(request, slug, formedit.move_indicator, indicator.pk, _direction(request))


@login_required
@require_POST
def indicator_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    indicator = campaign.indicators.filter(pk=pk).first()
    if indicator is None:
        # Pressed twice, or in two tabs: the field is already gone, which is what was asked.
        messages.info(request, _("This field was already removed."))
        return redirect("campaigns:form", slug=slug)
    return _run(request, slug, formedit.remove_indicator, indicator.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    form = RuleForm(campaign, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = formedit.add_rule(
                signed_in_user(request), campaign.pk, form.fields_for_action()
            )
        except formedit.FormChangeRefused as exc:
            _put_errors(form, exc)
        else:
            _report_outcome(request, outcome)
            return redirect("campaigns:form", slug=campaign.slug)
    context = {"campaign": campaign, "form": form, "rule": None}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "campaigns/form_rule.html", context, status=status)


def _rule_of(campaign: Campaign, pk: int) -> FormRule:
    queryset = campaign.rules.select_related("if_indicator", "then_indicator", "then_other")
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    rule = _rule_of(campaign, pk)
    form = RuleForm(campaign, request.POST or None, initial=_rule_initial(rule))
    if request.method == "POST" and form.is_valid():
        try:
            outcome = formedit.change_rule(
                signed_in_user(request), rule.pk, form.fields_for_action()
            )
        except formedit.FormChangeRefused as exc:
            _put_errors(form, exc)
        else:
            _report_outcome(request, outcome)
            return redirect("campaigns:form", slug=campaign.slug)
    context = {"campaign": campaign, "form": form, "rule": rule}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "campaigns/form_rule.html", context, status=status)


@login_required
@require_POST
def rule_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    rule = _rule_of(get_campaign_for_staff(request, slug), pk)
    return _run(request, slug, formedit.move_rule, rule.pk, _direction(request))


@login_required
@require_POST
def rule_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    if not campaign.rules.filter(pk=pk).exists():
        messages.info(request, _("This rule was already removed."))
        return redirect("campaigns:form", slug=slug)
    return _run(request, slug, formedit.remove_rule, pk)


@login_required
@require_safe
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    campaign = get_campaign_for_staff(request, slug)
    version = get_object_or_404(
        FormVersion.objects.select_related("created_by"), campaign=campaign, number=number
    )
    labels = dict(IndicatorKind.choices)
    aggregations = dict(Aggregation.choices)
    snapshot = version.snapshot if isinstance(version.snapshot, dict) else {}
    indicators = [
        {
            **item,
            "kind_label": labels.get(item.get("kind", ""), item.get("kind", "")),
            "aggregation_label": aggregations.get(
                item.get("aggregation", ""), item.get("aggregation", "")
            ),
        }
        for item in snapshot.get("indicators", [])
        if isinstance(item, dict)
    ]
    rules = [item for item in snapshot.get("rules", []) if isinstance(item, dict)]
    context = {
        "campaign": campaign,
        "version": version,
        "indicators": indicators,
        "rules": rules,
    }
    return TemplateResponse(request, "campaigns/form_version.html", context)
