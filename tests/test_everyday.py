"""What a civil servant reads and meets every day, page by page: Vietnamese dates, words and
figures, names of downloads, a menu shaped by the role, a campaign form that chooses nothing
for the person, the office's icon and the reader's notes in English too."""

from __future__ import annotations

import datetime as dt
import re

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tonghop.campaigns.forms import slug_for
from tonghop.campaigns.models import Campaign
from tonghop.compilation.models import Compilation
from tonghop.dispatch import parse_text
from tonghop.dispatch import signatures as sig
from tonghop.documents.models import Direction, Document, IntakeStatus
from tonghop.reminders import directive
from tonghop.reports import actions

SIGNED_TEXT = """UBND HUYỆN MINH HÒA
PHÒNG VĂN HÓA, KHOA HỌC VÀ THÔNG TIN
Số: /VHKHTT
V/v hưởng ứng Ngày Sáng tạo
Minh Hòa, ngày 06 tháng 11 năm 2024
Kính gửi: Các đơn vị
Tổ chức hoạt động từ ngày 15/4/2024 đến ngày 26/4/2024; gửi báo cáo trước ngày 06/5/2025.
Có thể tổ chưc hội thảo.
"""


def _read_document(world: World) -> Document:
    parsed = parse_text(SIGNED_TEXT)
    parsed["signatures"] = [
        {
            "signer": "Phạm Viết Thạch",
            "signed_at": "2024-11-06T01:49:06+00:00",
            "intact": False,
            "problem": f"{sig.PROBLEM_MODIFIED} {sig.PROBLEM_UNTRUSTED}",
            "note": sig.NOTE_REVOCATION,
        }
    ]
    return Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        status=IntakeStatus.READ,
        original_name="cv.txt",
        subject="Hưởng ứng Ngày Sáng tạo",
        text=SIGNED_TEXT,
        parsed=parsed,
    )


def test_it_serves_the_offices_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.getvalue()[:4] == b"\x00\x00\x01\x00"


def test_a_reporter_s_menu_holds_its_own_things_and_the_account_page_the_rest(
    world: World,
) -> None:
    page = world.client_for(world.hoa).get(reverse("reports:mine")).content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert reverse("reports:mine") in header and reverse("reminders:notifications") in header
    for staff_only in (reverse("twofactor:setup"), reverse("tokens:list"), reverse("verify")):
        assert staff_only not in header
    assert reverse("campaigns:list") not in header
    account = world.client_for(world.hoa).get(reverse("account")).content.decode()
    for tool in (reverse("twofactor:setup"), reverse("tokens:list"), reverse("verify")):
        assert tool in account
    assert "UBND xã An Phú" in account
    # The office's specialist keeps the office's tools in the top bar.
    staff = world.client_for(world.lan).get(reverse("campaigns:list")).content.decode()
    staff_header = staff[staff.index("<header") : staff.index("</header>")]
    assert reverse("documents:list") in staff_header and reverse("verify") in staff_header


def test_the_account_page_asks_for_a_sign_in(client: Client) -> None:
    response = client.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_figures_are_shown_back_as_they_were_typed(world: World) -> None:
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "17", "luot_nguoi": "1.250", "ty_le": "68,5"},
        "",
        expected_version=world.a_an_phu.version,
        submit=False,
    )
    form = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    page = form.content.decode()
    assert 'value="1.250"' in page and 'value="68,5"' in page
    # Saved again as shown, the figures stay the same.
    world.a_an_phu.refresh_from_db()
    actions.save_report(
        world.hoa,
        world.a_an_phu.pk,
        {"pano": "17", "luot_nguoi": "1.250", "ty_le": "68,5"},
        "",
        expected_version=world.a_an_phu.version,
        submit=True,
    )
    world.a_an_phu.refresh_from_db()
    assert world.a_an_phu.report.values["luot_nguoi"] == 1250
    review = world.client_for(world.lan).get(
        reverse("campaigns:review", args=[world.campaign.slug, world.a_an_phu.pk])
    )
    text = review.content.decode()
    assert "1.250" in text and "68,5" in text
    assert not re.search(r">\s*1250\s*<", text)


def test_the_submitted_message_carries_the_receipt_number(world: World) -> None:
    client = world.client_for(world.hoa)
    url = reverse("reports:form", args=[world.a_an_phu.pk])
    response = client.post(
        url,
        {"version": world.a_an_phu.version, "pano": "3", "narrative": "", "action": "submit"},
        follow=True,
    )
    world.a_an_phu.refresh_from_db()
    number = world.a_an_phu.report.versions.get().receipt_number
    assert number
    messages = [str(m) for m in response.context["messages"]]
    assert any(number in m and "Đã gửi báo cáo" in m for m in messages), messages


def test_the_directive_card_names_the_document_and_links_its_file(world: World) -> None:
    document = Document.objects.create(
        office=world.office,
        direction=Direction.INCOMING,
        number="542",
        symbol="SKHCN-CN&ĐMST",
        issued_on=dt.date(2025, 4, 21),
        subject="về việc hưởng ứng Ngày Sáng tạo",
        file=ContentFile(b"van ban", name="cv-542.txt"),
        original_name="cv-542.txt",
    )
    Campaign.objects.filter(pk=world.campaign.pk).update(source_document=document)
    world.campaign.refresh_from_db()
    directive.send_directive(world.campaign, by=world.lan, base_url="http://testserver/")
    page = world.client_for(world.hoa).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    text = page.content.decode()
    card = text[text.index('id="receipt"') :]
    assert "542/SKHCN-CN&amp;ĐMST" in card and "21/04/2025" in card
    link = reverse("reminders:directive-document", args=[world.a_an_phu.pk])
    assert f'href="{link}"' in card
    # The other commune's reporter gets nothing of An Phú's.
    other = world.client_for(world.nam).get(reverse("reports:form", args=[world.a_an_phu.pk]))
    assert other.status_code == 404


def test_the_intake_page_writes_dates_and_severities_in_vietnamese(world: World) -> None:
    document = _read_document(world)
    page = world.client_for(world.lan).get(reverse("documents:detail", args=[document.uid]))
    text = page.content.decode()
    shown = re.sub(r'value="[^"]*"|<pre[^>]*>.*?</pre>', "", text, flags=re.S)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", shown)
    assert "+00:00" not in shown
    # The signing time in the office's time, 01:49 UTC being 08:49 in Vietnam.
    assert "08:49 06/11/2024" in shown
    assert "Cảnh báo" in shown and "Lỗi" in shown
    assert ">warning<" not in shown and ">error<" not in shown


def test_in_english_the_readers_findings_and_signature_notes_are_english(world: World) -> None:
    document = _read_document(world)
    client = world.client_for(world.lan)
    client.post(reverse("set_language"), {"language": "en"})
    text = client.get(reverse("documents:detail", args=[document.uid])).content.decode()
    assert "The file was changed after it was signed." in text
    assert "The certificate is not on the configured trust list." in text
    assert "Whether the certificate was revoked was not checked" in text
    assert "Possibly misspelt: “chưc”." in text
    assert "The document has no number yet, or it cannot be read (before “/VHKHTT”)." in text
    assert "The period ends on 26/04/2024, before the date of issue 06/11/2024." in text
    assert "Có thể viết sai chính tả" not in text
    assert "Tài liệu đã bị sửa đổi" not in text
    assert "Warning" in text
    new = client.get(reverse("campaigns:new")).content.decode()
    assert "Recipient&#x27;s organ code" in new or "Recipient's organ code" in new
    assert "Organ code of the body reported to" not in new


def test_the_outgoing_register_shows_outgoing_numbers_under_their_heading(world: World) -> None:
    Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        original_name="seed.txt",
        subject="Hưởng ứng Ngày Sáng tạo",
    )
    Document.objects.create(
        office=world.office,
        direction=Direction.OUTGOING,
        number="01",
        symbol="BC-VHKHTT",
        original_name="01-BC-VHKHTT.pdf",
        subject="Báo cáo kết quả",
    )
    text = (
        world.client_for(world.lan)
        .get(reverse("documents:list") + "?direction=out")
        .content.decode()
    )
    assert "<th>Số đi</th>" in text and "Số đến" not in text
    assert "01/BC-VHKHTT" in text
    assert "seed.txt" not in text and "(chưa có số)" in text


def test_downloads_are_named_from_the_document(world: World) -> None:
    compilation = Compilation.objects.create(campaign=world.campaign)
    assert compilation.download_name("pdf") == "bao-cao-tong-hop-sang-tao-test.pdf"
    assert compilation.download_name("signed") == "bao-cao-tong-hop-sang-tao-test-da-ky.pdf"
    compilation.document = Document.objects.create(
        office=world.office, direction=Direction.OUTGOING, number="01", symbol="BC-VHKHTT"
    )
    assert compilation.download_name("signed") == "01-BC-VHKHTT.pdf"
    assert compilation.download_name("edxml") == "01-BC-VHKHTT.edxml"
    assert compilation.download_name("docx") == "01-BC-VHKHTT.docx"
    # A symbol with Vietnamese letters and marks gives a plain ASCII name.
    compilation.document.symbol = "SKHCN-CN&ĐMST"
    assert compilation.download_name("signed") == "01-SKHCN-CN-DMST.pdf"


def test_the_slug_of_a_long_title_ends_at_a_word(db: None) -> None:
    title = "Hưởng ứng Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025 trên địa bàn huyện"
    slug = slug_for(title)
    assert slug == "huong-ung-ngay-sang-tao-va-doi-moi-sang-tao-the-gioi-nam"
    assert len(slug) <= 60


def test_a_new_campaign_chooses_nothing_for_the_person(world: World) -> None:
    page = world.client_for(world.lan).get(reverse("campaigns:new")).content.decode()
    assert not re.search(r"<input[^>]*checked[^>]*name=\"(unit_kinds|subtrees|units)\"", page)
    assert not re.search(r"<input[^>]*name=\"(unit_kinds|subtrees|units)\"[^>]*checked", page)
    assert re.search(r'<option value="narrative" selected', page)
    today = timezone.localdate().isoformat()
    assert re.search(rf'name="due_date"[^>]*min="{today}"|min="{today}"[^>]*name="due_date"', page)


def test_counting_units_works_with_a_due_date_already_past(world: World) -> None:
    response = world.client_for(world.lan).post(
        reverse("campaigns:new"),
        {
            "office": world.office.pk,
            "title": "Cũ",
            "due_date": "2020-01-01",
            "due_time": "23:59",
            "unit_kinds": ["commune"],
            "preset": "narrative",
            "action": "check",
        },
    )
    text = response.content.decode()
    assert 'data-chosen="2"' in text
    assert "Hạn báo cáo đã qua" in text
    assert not Campaign.objects.filter(title="Cũ").exists()


def test_a_campaign_cannot_start_from_a_document_not_registered(world: World) -> None:
    document = _read_document(world)
    client = world.client_for(world.lan)
    url = reverse("campaigns:new") + f"?document={document.uid}"
    response = client.get(url, follow=True)
    assert "Vào sổ văn bản trước" in response.content.decode()
    future = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    posted = client.post(
        url,
        {
            "office": world.office.pk,
            "title": "Từ văn bản chưa vào sổ",
            "due_date": future,
            "due_time": "23:59",
            "unit_kinds": ["commune"],
            "preset": "narrative",
            "document": str(document.uid),
        },
        follow=True,
    )
    assert "Vào sổ văn bản trước" in posted.content.decode()
    assert not Campaign.objects.filter(title="Từ văn bản chưa vào sổ").exists()


def test_the_news_page_names_the_office(client: Client, world: World) -> None:
    text = client.get(reverse("news:list")).content.decode()
    assert 'id="publisher"' in text and world.office.name in text
