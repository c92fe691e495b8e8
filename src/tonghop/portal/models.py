"""News items for the portal (Trang TTĐT)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tonghop.compilation.models import Compilation


class NewsItem(models.Model):
    """A news item about a campaign's results, for the portal (Trang TTĐT) and its feed.

    Only what the office writes and chooses to publish appears: nothing is published by itself.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="news")
    compilation = models.ForeignKey(
        Compilation, null=True, blank=True, on_delete=models.SET_NULL, related_name="news"
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=2000)
    body = models.TextField(_("text"), blank=True, max_length=50000)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Made when news lived in tonghop.compilation; the table keeps its name.
        db_table = "compilation_newsitem"
        ordering = ["-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.title
