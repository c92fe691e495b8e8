"""The reminder tests' real SMTP server, for the directive sent with a personal link, and the
directive document the office sends."""

from django.core.files.base import ContentFile

from tests.conftest import World
from tests.reminders.conftest import _smtp_server, inbox  # noqa: F401
from tonghop.documents.models import Direction, Document


def attach_directive_document(world: World) -> bytes:
    """Công văn 45 as received, made the campaign's directive; its bytes."""
    content = b"%PDF-1.7\n% cong van 45\n%%EOF\n"
    document = Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        number="45",
        symbol="VHKHTT",
        subject="V/v hưởng ứng Ngày Sáng tạo",
        original_name="Công văn 45.pdf",
    )
    document.file.save("cv45.pdf", ContentFile(content), save=True)
    world.campaign.source_document = document
    world.campaign.save()
    return content
