"""The header search box in a real headless Chromium: typing suggests names, choosing one opens it.

Debian's chromium and chromium-driver drive it. Without them this fails,
unless MHA_KG_SKIP_BROWSER=1 says to skip.
"""

from __future__ import annotations

import pytest

from .conftest import wait_for

pytestmark = pytest.mark.browser


def test_typing_suggests_and_enter_opens_the_entity(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(live_server + "/")
    box = driver.find_element(By.CSS_SELECTOR, "form.site-search input[name=q]")
    box.send_keys("uni of warw")
    options = wait_for(driver, lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]")
                                          if o.is_displayed()])
    assert "University of Warwick" in options[0].text
    assert box.get_attribute("aria-expanded") == "true"
    box.send_keys(Keys.ARROW_DOWN)
    assert options[0].get_attribute("aria-selected") == "true"
    box.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.current_url.endswith("/page/organisation/university-of-warwick"))
    assert "University of Warwick" in driver.find_element(By.TAG_NAME, "h1").text


def test_escape_closes_and_submitting_opens_the_results_page(driver, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(live_server + "/search")
    box = driver.find_element(By.CSS_SELECTOR, "form.site-search input[name=q]")
    box.send_keys("Gkoutos")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=option]"))
    box.send_keys(Keys.ESCAPE)  # closes the list (and, in a search field, clears it)
    wait_for(driver, lambda d: not d.find_element(By.ID, "site-search-options").is_displayed())
    box.clear()
    box.send_keys("Gkoutos", Keys.ENTER)  # no option chosen: the form goes to the results page
    wait_for(driver, lambda d: "/search?q=Gkoutos" in d.current_url)
    first = driver.find_element(By.CSS_SELECTOR, "ol.search-results li a")
    assert first.text == "Georgios Gkoutos"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and e["source"] == "javascript"]
    assert errors == []
