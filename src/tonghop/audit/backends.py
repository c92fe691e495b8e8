"""The authentication backend: Django's, behind the sign-in throttle.

Every sign-in goes through here (the sign-in page, the admin's, `Client.login`), so a lock
cannot be dodged by using another login form.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from tonghop.audit import throttle
from tonghop.db.prepared import PreparedRead
from tonghop.orgs.models import User

# Set on the request for the audit record and the sign-in page: the Lock in force after this
# attempt, and whether the attempt was refused because of it.
LOCK_ATTRIBUTE = "tonghop_login_lock"
REFUSED_ATTRIBUTE = "tonghop_login_refused"
# Set on a refused attempt whose password was right: the person, whom the sign-in page then
# offers a second factor to pass the lock (tonghop.twofactor.actions.start_lock_pass).
RIGHT_USER_ATTRIBUTE = "tonghop_login_pass_user"


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        ip = throttle.client_ip(request)
        lock = throttle.check(username, ip)
        if lock is not None:
            # Refused whatever the password. It is checked all the same (no failure counted),
            # but only the sign-in page learns the answer, and it answers a right and a wrong
            # password alike: asking for a second factor. Raising (not returning None) stops
            # Django from trying any other backend.
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if request is not None:
                setattr(request, LOCK_ATTRIBUTE, lock)
                setattr(request, REFUSED_ATTRIBUTE, True)
                setattr(request, RIGHT_USER_ATTRIBUTE, user)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lock = throttle.record_failure(username, ip)
            if lock is not None and request is not None:
                setattr(request, LOCK_ATTRIBUTE, lock)
        else:
            throttle.clear(username, ip)
        return user

    def get_user(self, user_id: Any) -> User | None:
        """The person of a session, on every request: Django's own, its read compiled once."""
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        if type(pk) is not int or not 0 < pk < 2**63:  # a key no row has, or no column holds
            return None
        found = _USER.run(pk=pk)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None


_USER = PreparedRead(lambda pk: User.objects.filter(pk=pk), pk=int)
