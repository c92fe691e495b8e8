"""The session store: Django's database sessions, the read every signed-in request makes
compiled once (tonghop.db.prepared). The expiry is checked on the row read, as Django's query
checks it in SQL: the time of the request is no key of a compiled read."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from tonghop.db.prepared import PreparedRead

_SESSION = PreparedRead(lambda key: Session.objects.filter(session_key=key), key=str)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        found = _SESSION.run(key=key) if isinstance(key, str) else []
        if not found or found[0].expire_date <= timezone.now():
            self._session_key = None
            return None
        return found[0]
