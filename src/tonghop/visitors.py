"""Was a page opened by a person, or fetched by a machine on a person's behalf?

A personal link sent by chat (Zalo, Messenger, Telegram) or email is often fetched before anyone
taps it: the chat app asks for the page to draw its preview card, a browser prefetches it, a
monitor asks for the headers only. The office's "opened" and the link's use count must not take
those for the unit. The test is deliberately plain and errs towards "not a person" only on clear
signs: a request that is not a GET, a prefetch or prerender the browser announces, and a
user agent that is not a browser's (every browser and in-app web view announces itself as
"Mozilla/5.0 ...") or that names itself a robot, crawler or preview fetcher. A scanner that
disguises itself as a browser still counts; a person is never refused a page by this test,
only left uncounted.
"""

from __future__ import annotations

import re

from django.http import HttpRequest

# Fetchers that draw link previews or index pages, by the words they put in their user agent.
# Those that do not start with "Mozilla/" (facebookexternalhit/1.1, WhatsApp/2.x, TelegramBot,
# Slackbot-LinkExpanding, Zalo's and most libraries') are already told apart by that.
# "bot" only as a word or before its version: a phone named CUBOT is a person's.
_MACHINE_WORDS = re.compile(
    r"\bbot\b|bot/|crawler|spider|preview|externalhit|externalagent|externalfetcher|"
    r"\+https?://|slurp|embedly|facebookcatalog|whatsapp",
    re.IGNORECASE,
)
_PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def is_person(request: HttpRequest) -> bool:
    """True when the request looks like a person opening the page in a browser."""
    if request.method != "GET":
        return False
    for header in _PREFETCH_HEADERS:
        value = request.META.get(header, "").lower()
        if "prefetch" in value or "prerender" in value or "preview" in value:
            return False
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not agent.startswith("Mozilla/"):
        return False
    return _MACHINE_WORDS.search(agent) is None
