"""Starts the headless Chromium the e2e scripts drive: Debian's chromium and chromedriver, no browser download."""
import tempfile


def start(chromium, chromedriver, timeout):
    """A fresh profile, no sandbox (CI runs as root), the browser console kept for the report."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='oauthscope-chromium-')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(timeout)
    return driver
