"""Writing and publishing news items about a campaign's results."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.compilation.actions import CompileNotAllowed
from tonghop.compilation.models import Compilation
from tonghop.orgs.models import User
from tonghop.portal.models import NewsItem


def save_news(
    user: User,
    compilation: Compilation,
    *,
    title: str,
    summary: str,
    body: str,
    publish: bool,
    item: NewsItem | None = None,
) -> NewsItem:
    """Write or update the news item about a campaign's results; publish only when asked."""
    if not user.has_office_role(compilation.campaign.office):
        raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
    item = item or NewsItem(
        office=compilation.campaign.office, compilation=compilation, created_by=user
    )
    item.title, item.summary, item.body = title.strip(), summary.strip(), body.strip()
    if publish and item.published_at is None:
        item.published_at = timezone.now()
    if not publish:
        item.published_at = None
    item.save()
    return item
