"""The pages in a real headless Chromium: the query page runs an example, an entity page
shows its neighbours, and no script fails (the pictures: test_pictures_browser.py).

Debian's chromium and chromium-driver drive them (`make browser` installs them).
Without them these tests fail, unless MHA_KG_SKIP_BROWSER=1 says to skip.
"""

from __future__ import annotations

import pytest

from .conftest import wait_for

pytestmark = pytest.mark.browser


def script_errors(driver) -> list[str]:
    return driver.execute_script("return window.__mhaErrors || null")


def test_query_page_runs_an_example_and_shows_its_rows(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(live_server + "/query")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
    wait_for(driver, lambda d: d.execute_script(
        "return document.querySelectorAll('#examples option').length > 15"))
    Select(driver.find_element(By.ID, "examples")).select_by_value("hdr-uk-midlands-partners")
    driver.find_element(By.ID, "run-example").click()
    rows = wait_for(driver, lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")
                                       if "University" in r.text] or None)
    texts = sorted(r.text for r in rows)
    assert len(texts) == 5
    assert any("University of Warwick" in t for t in texts)
    csv_link = driver.find_element(By.ID, "download-csv").get_attribute("href")
    assert "format=csv" in csv_link and "hasMember" in csv_link
    assert script_errors(driver) == []


def test_entity_page_shows_neighbours_and_links_to_them(driver, live_server):
    from selenium.webdriver.common.by import By

    driver.get(live_server + "/id/organisation/hdr-uk-midlands")
    assert driver.current_url.endswith("/page/organisation/hdr-uk-midlands")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Health Data Research UK Midlands"
    outgoing = driver.find_element(By.CSS_SELECTOR, "section.outgoing").text
    for partner in ("University of Birmingham", "University of Leicester", "University of Warwick"):
        assert partner in outgoing
    incoming = driver.find_element(By.CSS_SELECTOR, "section.incoming").text
    assert "Midlands Health Alliance" in incoming
    driver.find_element(By.LINK_TEXT, "University of Warwick").click()
    wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "University of Warwick")
    assert "/page/organisation/university-of-warwick" in driver.current_url
    assert script_errors(driver) == []
