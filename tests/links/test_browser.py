"""A unit without an account fills its report through its personal link, in a real browser.

The Django test client sends no Origin or Referer header, so it cannot tell whether the link
page's referrer policy lets the browser's own POSTs through the CSRF check; Chromium can.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World, browser_login
from tonghop.reports.links.models import AccessLink
from tonghop.reports.models import Report, State

pytestmark = pytest.mark.browser


def test_a_unit_reports_through_its_link_in_a_browser(
    browser: Any,
    world_tx: World,
    live_server: Any,
    settings: Any,
) -> None:
    world = world_tx
    base = live_server.url
    settings.SITE_URL = base
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    page.set_default_timeout(15000)
    browser_login(page, base, "lan")
    page.goto(f"{base}/campaigns/{world.campaign.slug}/units/{world.a_school.pk}/")
    page.locator("form.link-issue button[type=submit]").click()
    url = page.locator("#link-url").input_value()
    assert url.startswith(f"{base}/l/")
    office.close()

    # The school, on a phone, with no account and no cookie of the site.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(15000)
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert response.headers["referrer-policy"] == "strict-origin"
    page.fill("#id_pano", "4")
    page.fill("#id_narrative", "Treo 4 pano")
    page.locator("button.secondary[name=action][value=save]").click()
    page.wait_for_load_state()
    assert page.url == url
    report = Report.objects.get(assignment=world.a_school)
    assert report.values["pano"] == 4
    # The form's script saves as the unit types (a fetch POST, also through the CSRF check).
    page.fill("#id_narrative", "Treo 4 pano và 2 băng rôn")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    report.refresh_from_db()
    assert report.narrative == "Treo 4 pano và 2 băng rôn"
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    world.a_school.refresh_from_db()
    assert world.a_school.state == State.SUBMITTED
    assert AccessLink.objects.get(assignment=world.a_school).use_count >= 2
    # Still nobody: the rest of the site asks for a password.
    page.goto(f"{base}/reports/")
    assert "/accounts/login/" in page.url
    phone.close()
