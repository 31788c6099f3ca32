"""Starts the headless Chromium the e2e scripts drive: Debian's chromium and chromedriver, no browser download."""
import json
import os
import tempfile
import traceback


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


def report(out, body, result):
    """Runs body(result) and writes result to `out` as JSON, with the traceback of any failure as "error" (the
    test reads the reason from the file); renamed into place, so the waiting test never reads half a file."""
    try:
        body(result)
    except Exception:
        result["error"] = traceback.format_exc()
    with open(out + ".tmp", "w") as f:
        json.dump(result, f)
    os.replace(out + ".tmp", out)
