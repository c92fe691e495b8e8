"""Messages of Django's own that its Vietnamese catalogue lacks, so that makemessages puts them
in ours (LOCALE_PATHS is searched before Django's catalogue). Never imported: only read."""

from django.utils.translation import gettext_noop

MESSAGES = (
    # django.core.validators.ProhibitNullCharactersValidator: every CharField of every form.
    gettext_noop("Null characters are not allowed."),
)
