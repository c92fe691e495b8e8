"""Writing and publishing news items about a campaign's results."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.compilation.actions import CompileNotAllowed, IssueRefused, lock_compilation
from tonghop.compilation.models import Compilation, CompilationStep
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
    """Write or update the news item about a campaign's results; publish only when asked, and
    only once the report is issued. Publishing and withdrawing are recorded."""
    with transaction.atomic():
        row = lock_compilation(compilation.pk)
        if not user.has_office_role(row.campaign.office):
            raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
        if item is not None:
            item = NewsItem.objects.select_for_update().get(pk=item.pk)
        item = item or NewsItem(office=row.campaign.office, compilation=row, created_by=user)
        was_published = item.published_at is not None
        if publish and not was_published and not row.can(CompilationStep.PUBLISH):
            raise IssueRefused(_("The news can be published once the report is issued."))
        item.title, item.summary, item.body = title.strip(), summary.strip(), body.strip()
        if publish and not was_published:
            item.published_at = timezone.now()
        if not publish:
            item.published_at = None
        item.save()
        if publish != was_published:
            record(
                Action.PUBLISH,
                actor=user,
                obj=item,
                details={"published": publish, "compilation": row.pk, "title": item.title},
            )
        return item
