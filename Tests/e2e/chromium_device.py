#!/usr/bin/env python3
"""The device grant (RFC 8628) with its verification page in a real, headless Chromium driven by selenium.

Usage: chromium_device.py --bin PATH/TO/oauthscope --out FILE

Runs `oauthscope demo --grant device --no-browser --output jsonl` twice, reading its events as they come:
  complete  the user opens verification_uri_complete (the code already filled in) and approves;
  typed     the user opens the bare verification_uri, types a wrong code first (the page must say so and change
            nothing), then the right one, and approves.
Each time the polling client must then receive its tokens. Writes what it saw to FILE as one JSON object: per run
the device.authorization event, the pages (url, title, text, the code field's value, the Content-Security-Policy
header), the flow's events and exit status, the browser console, and error when something went wrong.
"""
import argparse
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import chromium_driver


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    def both(result):
        driver = chromium_driver.start(args.chromium, args.chromedriver, args.timeout)
        try:
            result["complete"] = run(args, driver, typed=False)
            result["typed"] = run(args, driver, typed=True)
        finally:
            driver.quit()

    chromium_driver.report(args.out, both, {})


class Flow:
    """One `demo --grant device` run: its events read from stdout as they come, killed if it outlives the test."""

    def __init__(self, args):
        self.proc = subprocess.Popen([args.bin, "demo", "--grant", "device", "--no-browser", "--output", "jsonl"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.timer = threading.Timer(120, self.proc.kill)
        self.timer.start()
        self.events = []

    def until(self, kind):
        for line in self.proc.stdout:
            if not line.strip():
                continue
            event = json.loads(line)
            self.events.append(event)
            if event["type"] == kind:
                return event
        raise RuntimeError(f"the flow ended before {kind}: {[e['type'] for e in self.events]}")

    def finish(self):
        for line in self.proc.stdout:
            if line.strip():
                self.events.append(json.loads(line))
        status = self.proc.wait()
        self.timer.cancel()
        return status, self.proc.stderr.read()


def csp(url, timeout):
    """The Content-Security-Policy the page is served with (the browser enforces it; the test reads it)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.headers.get("Content-Security-Policy", "")
    except urllib.error.HTTPError as e:
        return e.headers.get("Content-Security-Policy", "")


def page(driver, args):
    from selenium.webdriver.common.by import By

    fields = driver.find_elements(By.NAME, "user_code")
    return {"url": driver.current_url, "title": driver.title, "text": driver.find_element(By.TAG_NAME, "body").text,
            "code_field": fields[0].get_attribute("value") if fields else None}


def submit(driver, args, decision, expected_title):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"button[value='{decision}']").click()
    WebDriverWait(driver, args.timeout).until(lambda d: d.find_element(By.TAG_NAME, "html") != before and d.title == expected_title)


def run(args, driver, typed):
    from selenium.webdriver.common.by import By

    seen = {"pages": [], "console": []}
    flow = Flow(args)
    try:
        authorization = flow.until("device.authorization")
        seen["authorization"] = authorization
        user_code = authorization["user_code"]
        if typed:
            url = authorization["verification_uri"]
            seen["csp"] = csp(url, args.timeout)
            driver.get(url)
            seen["pages"].append(page(driver, args))
            # A code in the right alphabet that this server never issued.
            wrong = "BBBB-BBBB" if user_code != "BBBB-BBBB" else "CCCC-CCCC"
            seen["wrong_code"] = wrong
            field = driver.find_element(By.NAME, "user_code")
            field.clear()
            field.send_keys(wrong)
            submit(driver, args, "approve", "Connect a device")
            seen["pages"].append(page(driver, args))
            field = driver.find_element(By.NAME, "user_code")
            field.clear()
            field.send_keys(user_code.lower().replace("-", " "))  # as a user types it: case and separators do not matter
        else:
            url = authorization["verification_uri_complete"]
            seen["csp"] = csp(url, args.timeout)
            driver.get(url)
            seen["pages"].append(page(driver, args))
        submit(driver, args, "approve", "Device connected")
        seen["pages"].append(page(driver, args))
        seen["console"] = [entry.get("message", "") for entry in driver.get_log("browser")]
    finally:
        status, stderr = flow.finish()
        seen["status"], seen["stderr"], seen["events"] = status, stderr[-2000:], flow.events
    return seen


if __name__ == "__main__":
    sys.exit(main())
