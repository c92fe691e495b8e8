"""The one root of every refusal: a change or a reading that the person asked for and that
tonghop will not do. str() is always a sentence for that person, in their language.

Each package refines these with its own names (reports.actions.StaleForm is a Stale, …), so a
caller may catch the precise class or the kind. Where a view lets one through,
tonghop.middleware.RefusalMiddleware turns it into the page's message (or JSON for a script);
the API turns it into its status (tonghop.api.site): NotAllowed 403, Stale 409, Invalid 422,
any other refusal 409. Pure Python: the document reader, which knows no Django, uses it too.
"""

from __future__ import annotations


class Refused(Exception):
    """Not done; str() says why, for the person who asked."""

    status = 409


class NotAllowed(Refused):
    """This person may not do this (or may not see it)."""

    status = 403


class Stale(Refused):
    """What the person saw changed meanwhile: nothing was done, the page shows the state now."""

    status = 409


class Invalid(Refused):
    """What was given cannot be taken (a value, a file, a package)."""

    status = 422
