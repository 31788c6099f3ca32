#!/usr/bin/env python3
"""Lands a real, headless Chromium on a redirect URI with the authorization response in the URL fragment, as a
provider with response_mode=fragment sends it, and reports what the listener's page did with it.

Usage: chromium_fragment.py --out FILE URL_WITH_FRAGMENT [--forward URL]

Writes one JSON object to FILE: status (the page's status line once it has posted the fragment back), landed (the
URL the browser ends at: the forward target with the same fragment, when there is one), console, and error.
"""
import argparse
import sys
import time

import chromium_driver


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--forward")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("url")
    args = parser.parse_args()
    chromium_driver.report(args.out, lambda result: run(args, result), {})


def run(args, result):
    from selenium.webdriver.common.by import By

    driver = chromium_driver.start(args.chromium, args.chromedriver, args.timeout)
    try:
        driver.get(args.url)
        deadline = time.monotonic() + args.timeout
        status = ""
        while time.monotonic() < deadline:
            if args.forward and driver.current_url.startswith(args.forward):
                break
            try:
                status = driver.find_element(By.ID, "status").text
            except Exception:
                pass
            if not args.forward and "sent the URL fragment back" in status:
                break
            time.sleep(0.1)
        result["status"] = status
        result["landed"] = driver.current_url
        result["console"] = [entry.get("message", "") for entry in driver.get_log("browser")]
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
