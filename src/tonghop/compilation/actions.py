"""Compiling a campaign: one function for the page, the worker and the command line."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop.campaigns.models import Campaign
from tonghop.compilation.build import build_document, collect
from tonghop.compilation.models import Compilation, CompilationStatus
from tonghop.compilation.render_docx import render_docx
from tonghop.orgs.models import User

log = logging.getLogger(__name__)


class CompileNotAllowed(Exception):
    pass


def render_campaign_docx(campaign: Campaign) -> bytes:
    return render_docx(build_document(campaign))


def request_compilation(user: User, campaign: Campaign) -> Compilation:
    """Record the request and hand it to the worker; the page follows its progress."""
    from tonghop.compilation.tasks import run_compilation

    if not user.has_office_role(campaign.office):
        raise CompileNotAllowed(_("Only the office's staff can compile this campaign."))
    compilation = Compilation.objects.create(campaign=campaign, created_by=user)
    # Enqueue after commit, so the worker never looks for a row it cannot see yet.
    transaction.on_commit(lambda: run_compilation.enqueue(compilation.pk))
    return compilation


def run(compilation: Compilation) -> Compilation:
    """Build the DOCX of a requested compilation, recording the outcome on the row."""
    compilation.status = CompilationStatus.RUNNING
    compilation.progress = 10
    compilation.save(update_fields=["status", "progress"])
    try:
        campaign = compilation.campaign
        _totals, rows, missing, _late = collect(campaign)
        content = render_campaign_docx(campaign)
    except Exception as exc:  # the row must say it failed, whatever broke
        log.exception("compilation %s failed", compilation.pk)
        compilation.status = CompilationStatus.FAILED
        compilation.error = str(exc)[:2000]
        compilation.finished_at = timezone.now()
        compilation.save(update_fields=["status", "error", "finished_at"])
        return compilation
    compilation.units_reported = len(rows)
    compilation.units_expected = len(rows) + len(missing)
    compilation.docx.save(compilation.filename, ContentFile(content), save=False)
    compilation.status = CompilationStatus.DONE
    compilation.progress = 100
    compilation.finished_at = timezone.now()
    compilation.save()
    return compilation
