"""Background work of the registers, run by `tonghop worker`."""

from __future__ import annotations

from django.tasks import task

from tonghop.documents.models import Document


@task()
def read_incoming(document_id: int) -> str:
    from tonghop.documents import actions

    document = Document.objects.get(pk=document_id)
    return actions.read(document).status
