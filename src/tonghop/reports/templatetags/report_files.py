"""A report's files in templates: their addresses, and the files and refusals of a FILE
indicator's place in the form (reports.forms.FileSlot), from reports.views.form_files_context.

A page whose visitor reaches the files elsewhere (the personal link) sets `files_base` in its
context: each file is then at <files_base><id>/, with thumb/ and remove/ below it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from tonghop.reports.models import Attachment

register = template.Library()

_NAMES = {"file": "reports:file", "thumb": "reports:thumb", "remove": "reports:remove-file"}


@register.simple_tag(takes_context=True)
def file_url(context: template.Context, attachment: Attachment, what: str = "file") -> str:
    if what not in _NAMES:
        raise template.TemplateSyntaxError(f"file_url: unknown address {what!r}")
    base: Any = context.get("files_base")
    if base:
        return f"{base}{attachment.pk}/" + ("" if what == "file" else f"{what}/")
    assignment: Any = context.get("assignment")
    assignment_id = assignment.pk if assignment is not None else attachment.report.assignment_id
    return reverse(_NAMES[what], args=[assignment_id, attachment.pk])


@register.simple_tag(takes_context=True)
def slot_files(context: template.Context, code: str) -> list[Attachment]:
    """The files attached to one FILE indicator (the `file_groups` of the page's context)."""
    groups: Any = context.get("file_groups") or {}
    return list(groups.get(code, []))


@register.simple_tag(takes_context=True)
def slot_errors(context: template.Context, code: str) -> list[str]:
    """What was refused for one FILE indicator: its files, or its value on submission."""
    groups: Any = context.get("file_error_groups") or {}
    return list(groups.get(code, []))
