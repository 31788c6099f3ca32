#!/usr/bin/env python3
"""Plays the user in a real, headless Chromium driven by selenium: the browser command of Tests/e2e/browser.sh.

Usage: chromium_user.py --decision approve|deny --out FILE AUTHORIZATION_URL

It asks the callback origin for /favicon.ico first (what a browser does on its own, and must stay a harmless
stray), then opens the authorization URL, reads the consent page, presses Approve or Deny, waits until the
browser has landed back on the redirect URI, and writes what it saw to FILE as one JSON object:
consent (title, text, content-security-policy), landed (url, title, text, html), and error when something went
wrong. oauthscope does not wait for its browser command, so the test waits for FILE.
"""
import argparse
import sys
import time
import urllib.parse
import urllib.request

import chromium_driver


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--decision", choices=["approve", "deny"], required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("url")
    args = parser.parse_args()

    chromium_driver.report(args.out, lambda result: run(args, result), {"decision": args.decision})


def run(args, result):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(args.url).query)
    redirect = query["redirect_uri"][0]
    parts = urllib.parse.urlsplit(redirect)
    callback_origin = f"{parts.scheme}://{parts.netloc}"

    # The consent page's policy as the provider sends it (the browser enforces it; the test reads it).
    with urllib.request.urlopen(args.url, timeout=args.timeout) as response:
        result["consent_csp"] = response.headers.get("Content-Security-Policy", "")

    driver = chromium_driver.start(args.chromium, args.chromedriver, args.timeout)
    try:
        driver.get(callback_origin + "/favicon.ico")
        result["favicon"] = {"url": driver.current_url, "text": driver.find_element(By.TAG_NAME, "body").text}

        driver.get(args.url)
        result["consent"] = {"url": driver.current_url, "title": driver.title,
                             "text": driver.find_element(By.TAG_NAME, "body").text}
        driver.find_element(By.CSS_SELECTOR, f"button[value='{args.decision}']").click()
        try:
            WebDriverWait(driver, args.timeout).until(lambda d: d.current_url.startswith(callback_origin + "/"))
        except Exception:
            result["console"] = [entry.get("message", "") for entry in driver.get_log("browser")]
            raise RuntimeError(f"the browser never reached the callback at {callback_origin}; it stayed at {driver.current_url}")
        # The landing page is static; give it a moment to be parsed whole.
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline and driver.execute_script("return document.readyState") != "complete":
            time.sleep(0.05)
        result["landed"] = {"url": driver.current_url, "title": driver.title,
                            "text": driver.find_element(By.TAG_NAME, "body").text,
                            "html": driver.page_source}
        result["console"] = [entry.get("message", "") for entry in driver.get_log("browser")]
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
