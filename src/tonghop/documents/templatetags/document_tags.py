"""The reader's findings and the signature checker's notes in the reader's language."""

from __future__ import annotations

from django import template

from tonghop.documents.sentences import in_language as _in_language

register = template.Library()


@register.filter
def in_language(text: object) -> str:
    return _in_language(text)
