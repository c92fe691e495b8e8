"""The cost of the busiest request there is: a unit submitting its report with a photo, in the
rush before a due time (issue 21, bench/load.py). Its queries are counted exactly, so that a
change that adds one to the path fails here and says which."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.conftest import World
from tonghop.reports import receipts
from tonghop.reports.models import Assignment, Attachment, ReportVersion, State

# The queries of a submission with a photo, for a reporter signed in earlier: the session and
# the person; the assignment through the person's units and the form (the page's reads); the
# assignment locked with the person's right and the report, the report's and the photo's rows
# (the photo's transaction); the assignment locked again, the files present, the form's rules,
# the assignment's new state, its event, the report and the version with its receipt number
# (the submission's transaction). Not counted: the statements that open and close the two
# transactions (SAVEPOINT and RELEASE here, BEGIN and COMMIT on SQLite outside a test).
SUBMISSION_QUERIES = 14
TRANSACTIONS = 2
CONTROL = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (20, 120, 40)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_submission_with_a_photo_costs_a_known_number_of_queries(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    # Opened first, as a person does: the session's one-time marks are written then.
    assert client.get(url).status_code == 200
    data = {
        "version": "0",
        "action": "submit",
        "pano": "12",
        "luot_nguoi": "1.250",
        "ty_le": "2,5",
        "khau_hieu": "Sáng tạo để phát triển",
        "narrative": "Đơn vị đã treo pano.",
        "attachments": SimpleUploadedFile("pano.jpg", _photo(), "image/jpeg"),
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    assignment = Assignment.objects.get(pk=world.a_an_phu.pk)
    assert assignment.state == State.SUBMITTED
    version = ReportVersion.objects.get(report__assignment=assignment)
    photo = Attachment.objects.get(report__assignment=assignment)
    assert version.attachments == [photo.pk]
    assert version.receipt_number == receipts.receipt_number(version.pk, version.created_at)
    statements = [q["sql"] for q in queries.captured_queries]
    counted = [sql for sql in statements if not sql.startswith(CONTROL)]
    listed = "\n".join(sql[:160] for sql in counted)
    assert len(counted) == SUBMISSION_QUERIES, listed
    assert sum(sql.startswith(("SAVEPOINT", "BEGIN")) for sql in statements) == TRANSACTIONS
