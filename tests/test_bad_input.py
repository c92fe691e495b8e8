"""Bad input that used to get through: control characters and line breaks in text, dates out of
any sane range, numbers in exponent form, options split on control characters. Each is sent
through the real page or the API, and must be cleaned or refused in Vietnamese, nothing saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from defusedxml import ElementTree as ET
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.compilation.test_issue import PASS, _draft, key  # noqa: F401 (key: a fixture)
from tests.conftest import World, sign_and_issue
from tonghop.api import tokens
from tonghop.campaigns import formedit
from tonghop.campaigns.formedit import IndicatorFields
from tonghop.campaigns.models import Campaign
from tonghop.documents.models import Direction, Document
from tonghop.inputs import clean_text
from tonghop.orgs.models import Unit, User
from tonghop.portal.models import NewsItem
from tonghop.reports.models import Assignment, Report

ATOM = "{http://www.w3.org/2005/Atom}"
DATE_RANGE = "Vui lòng nhập ngày trong khoảng từ 01/01/2000 đến 31/12/2100."


def _put(world: World, body: Any) -> Any:
    token = tokens.issue_token(world.hoa, "phần mềm của xã")[1]
    return Client().put(
        f"/api/v1/assignments/{world.a_an_phu.pk}/report",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _saved(world: World) -> Any:
    report = Report.objects.filter(assignment=world.a_an_phu).first()
    return None if report is None else (report.values, report.narrative)


# 6. Control characters in text.

# What XML 1.0 cannot carry, and what a mail header must not: any line break but "\n" too.
_UNCARRIED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_cleaned_text_holds_nothing_xml_or_a_mail_header_cannot_carry(text: str) -> None:
    line, lines = clean_text(text), clean_text(text, multiline=True)
    assert not _UNCARRIED.search(line) and "\n" not in line
    assert not _UNCARRIED.search(lines)
    assert clean_text(line) == line and clean_text(lines, multiline=True) == lines


@pytest.mark.usefixtures("key")
def test_a_news_title_pasted_from_word_is_cleaned_and_the_feed_stays_well_formed(
    world: World,
) -> None:
    # News is published once the report is issued.
    compilation = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    url = reverse("compilation:news", args=[world.campaign.slug, compilation.uid])
    world.client_for(world.lan).post(
        url,
        {
            # Word's Shift+Enter is a vertical tab; a bell and an escape came along.
            "title": "Kết quả\x0bNgày Sáng tạo\x07",
            "summary": "18 đơn vị\r\nđã báo cáo\x1b",
            "body": "",
            "publish": "on",
        },
    )
    item = NewsItem.objects.get()
    assert (item.title, item.summary) == ("Kết quả Ngày Sáng tạo", "18 đơn vị\nđã báo cáo")
    feed = Client().get(reverse("news:feed"))
    assert feed.status_code == 200
    root = ET.fromstring(feed.content)  # raises if the XML is not well-formed
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Kết quả Ngày Sáng tạo"
    assert entry.findtext(f"{ATOM}summary") == "18 đơn vị\nđã báo cáo"


@pytest.mark.usefixtures("key")
def test_an_item_saved_before_the_cleaning_does_not_break_the_feed(world: World) -> None:
    compilation = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    url = reverse("compilation:news", args=[world.campaign.slug, compilation.uid])
    world.client_for(world.lan).post(
        url, {"title": "Tin", "summary": "Tóm tắt", "body": "", "publish": "on"}
    )
    NewsItem.objects.update(title="Kết quả\x0bNgày Sáng tạo", summary="a\x01b")
    feed = Client().get(reverse("news:feed"))
    assert feed.status_code == 200
    [entry] = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Kết quả Ngày Sáng tạo"


def test_the_api_cleans_text_as_the_form_does(world: World) -> None:
    response = _put(
        world,
        {
            "values": {"pano": 2, "khau_hieu": "Sáng\x0btạo\x01 mỗi\r\nngày"},
            "narrative": "Dòng 1\r\nDòng 2\x0bDòng 3\x07",
            "version": 0,
        },
    )
    assert response.status_code == 200, response.content
    values, narrative = _saved(world)
    assert values["khau_hieu"] == "Sáng tạo mỗi ngày"  # a one-line field: one line
    assert narrative == "Dòng 1\nDòng 2\nDòng 3"  # a narrative keeps its lines


def test_the_report_form_cleans_text(world: World) -> None:
    response = world.client_for(world.hoa).post(
        reverse("reports:form", args=[world.a_an_phu.pk]),
        {
            "version": 0,
            "action": "save",
            "pano": "1",
            "khau_hieu": "Sáng\x0btạo\x1f",
            "narrative": "Đã treo\r\npano\x0c",
        },
    )
    assert response.status_code == 302
    values, narrative = _saved(world)
    assert (values["khau_hieu"], narrative) == ("Sáng tạo", "Đã treo\npano")


def test_the_unit_list_import_makes_every_cell_one_line(world: World) -> None:
    text = (
        "Mã đơn vị;Tên đơn vị;Loại\n"
        'th-moi;"Trường Tiểu học\r\nMới";trường\n'
        "th-hai;Trường Tiểu học\x0bHai\x85;trường\n"
    )
    client = world.client_for(world.lan)
    preview = client.post(
        reverse("campaigns:units-import", args=[world.campaign.slug]),
        {"file": SimpleUploadedFile("ds.csv", text.encode())},
    )
    assert preview.status_code == 302
    digest = client.get(preview["Location"]).context["plan"].digest()
    assert client.post(preview["Location"], {"digest": digest}).status_code == 302
    names = dict(Unit.objects.filter(code__startswith="th-").values_list("code", "name"))
    assert names == {"th-moi": "Trường Tiểu học Mới", "th-hai": "Trường Tiểu học Hai"}


# 8. Dates out of range.


def test_a_due_date_in_the_year_9999_is_refused_on_the_new_campaign_page(world: World) -> None:
    data = {
        "office": world.office.pk,
        "title": "Đợt năm 9999",
        "due_date": "9999-12-31",
        "due_time": "17:00",
        "preset": "narrative",
        "unit_kinds": ["commune"],
    }
    response = world.client_for(world.lan).post(reverse("campaigns:new"), data)
    assert response.status_code in (200, 400)
    assert DATE_RANGE in response.content.decode()
    assert not Campaign.objects.filter(title="Đợt năm 9999").exists()


def test_an_extension_to_the_year_9999_is_refused(world: World) -> None:
    client = world.client_for(world.lan)
    before = world.a_an_phu.due_at
    response = client.post(
        reverse("campaigns:extend", args=[world.campaign.slug, world.a_an_phu.pk]),
        {"version": 0, "due_at": "9999-12-31T23:59", "reason": "Thử"},
    )
    assert response.status_code == 302
    assert DATE_RANGE in client.get(response["Location"]).content.decode()
    assert Assignment.objects.get(pk=world.a_an_phu.pk).due_at == before
    # The personal link is still issued (it used to overflow past year 9999).
    issued = client.post(
        reverse("campaigns:link-issue", args=[world.campaign.slug, world.a_an_phu.pk])
    )
    assert issued.status_code == 200


def test_a_date_in_the_year_9999_is_refused_by_the_api_and_the_form(world: World) -> None:
    formedit.add_indicator(
        world.lan,
        world.campaign.pk,
        "ngay",
        IndicatorFields(label="Ngày tổ chức", kind="date", aggregation="list"),
    )
    response = _put(world, {"values": {"pano": 2, "ngay": "9999-12-31"}, "version": 0})
    assert response.status_code == 422
    error = {"loc": ["body", "values", "ngay"], "msg": DATE_RANGE, "type": "refused"}
    assert error in response.json()["errors"]
    page = world.client_for(world.hoa).post(
        reverse("reports:form", args=[world.a_an_phu.pk]),
        {"version": 0, "action": "save", "pano": "2", "ngay": "31/12/9999"},
    )
    assert page.status_code == 400
    assert DATE_RANGE in page.content.decode()
    assert _saved(world) is None
    # The range's own ends are taken.
    ok = _put(world, {"values": {"pano": 2, "ngay": "2100-12-31"}, "version": 0})
    assert ok.status_code == 200, ok.content


# 9. Numbers in exponent form, or with too many digits.


def test_a_number_in_exponent_form_is_refused_by_the_form_and_the_api(world: World) -> None:
    for typed in ("1e-999999", "1E5", "Infinity", "0,0000001", "1" + "0" * 100000):
        page = world.client_for(world.hoa).post(
            reverse("reports:form", args=[world.a_an_phu.pk]),
            {"version": 0, "action": "save", "pano": "1", "ty_le": typed},
        )
        assert page.status_code == 400, typed
        response = _put(world, {"values": {"pano": 1, "ty_le": typed}, "version": 0})
        assert response.status_code == 422, typed
        [error] = response.json()["errors"]
        assert error["loc"] == ["body", "values", "ty_le"]
        assert error["msg"] in (
            f"“{typed[:40]}” không phải là số.",
            "Tối đa 6 chữ số sau dấu phẩy thập phân.",
            "Số này quá lớn.",
            "Vui lòng viết số bằng các chữ số thông thường, không dùng số mũ.",
        ), error
        assert len(response.content) < 2000
    assert _saved(world) is None
    # Numbers as Vietnamese write them still read.
    ok = _put(world, {"values": {"pano": "1.250", "ty_le": "2,500001"}, "version": 0})
    assert ok.status_code == 200, ok.content
    assert _saved(world)[0]["ty_le"] == "2.500001"


# 11a. Options of a choice.


def test_options_are_split_only_on_new_lines_and_cleaned(world: World) -> None:
    client = world.client_for(world.lan)
    url = reverse("campaigns:form-indicator-new", args=[world.campaign.slug])
    data = {"label": "Hình thức", "code": "", "kind": "choice", "aggregation": "count"}
    response = client.post(
        url, {**data, "choices": "Hội thảo\x07\r\n\x01\r\nTriển lãm\x1f\r\n \x02 \r\nCuộc thi"}
    )
    assert response.status_code == 302
    added = world.campaign.indicators.get(label="Hình thức")
    assert added.choices == ["Hội thảo", "Triển lãm", "Cuộc thi"]
    twice = client.post(url, {**data, "label": "Lần hai", "choices": "Hội thảo\nHội\x07 thảo"})
    assert twice.status_code in (200, 400)
    assert "Lựa chọn “Hội thảo” bị lặp lại." in twice.content.decode()
    assert not world.campaign.indicators.filter(label="Lần hai").exists()


@pytest.mark.usefixtures("key")
def test_an_edxml_package_with_line_breaks_comes_in_on_one_line(world: World) -> None:
    issued = sign_and_issue(world, _draft(world).pk, passphrase=PASS)
    data = issued.edxml.read()
    assert data.count("Phạm Viết Thạch".encode()) >= 1
    # Changed by hand, the package's XML signature no longer holds (refused as such elsewhere):
    # the package goes without it, as an unsigned one from another system would.
    data = re.sub(
        rb"<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">.*?</Signature>",
        b"",
        data,
        flags=re.S,
    )
    # XML carries a line break and a tab as character references.
    data = data.replace("Phạm Viết Thạch".encode(), "Phạm Viết&#13;&#10;Thạch&#9;".encode())
    response = world.client_for(world.lan).post(
        reverse("documents:import-edxml"),
        {"office": world.office.pk, "forwarded": "on", "file": SimpleUploadedFile("r.edxml", data)},
    )
    assert response.status_code == 302
    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.signer_name == "Phạm Viết Thạch"


def test_the_admin_cleans_and_bounds_as_the_pages_do(world: World) -> None:
    root = User.objects.create_superuser(
        username="root", password="x" * 12, email="root@example.org", full_name="Quản trị"
    )
    client = world.client_for(root)
    url = reverse("admin:campaigns_campaign_change", args=[world.campaign.pk])
    data = {
        "office": world.office.pk,
        "slug": world.campaign.slug,
        "title": "Ngày hội\r\nSáng tạo",
        "due_at_0": "9999-12-31",
        "due_at_1": "23:59:59",
        "status": "open",
        "indicators-TOTAL_FORMS": "0",
        "indicators-INITIAL_FORMS": "0",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert DATE_RANGE in refused.content.decode()
    world.campaign.refresh_from_db()
    assert world.campaign.title == "Hưởng ứng Ngày Sáng tạo"
    assert client.post(url, {**data, "due_at_0": "2030-05-05"}).status_code == 302
    world.campaign.refresh_from_db()
    assert world.campaign.title == "Ngày hội Sáng tạo"
