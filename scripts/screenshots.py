#!/usr/bin/env python3
"""Takes the README's screenshots from the real app: a demo with a few callers, driven through
WebDriver (tauri-driver on 127.0.0.1:$DRIVER_PORT), saved to docs/screenshots/.

Run through scripts/screenshots.sh, which starts the virtual display, the session bus, the
keyring and tauri-driver first. Standard library only."""

import base64
import json
import os
import sys
import time
import urllib.request

DRIVER = f"http://127.0.0.1:{os.environ.get('DRIVER_PORT', '4455')}"
APP = os.environ["TEXTBACK_DESKTOP_BIN"]
DATA = os.environ["TEXTBACK_DATA_DIR"]
OUT = sys.argv[1]
BUSINESS = "+12125550100"


def call(method, path, body=None, base=DRIVER):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = response.read()
    return json.loads(answer).get("value") if base == DRIVER else answer


class App:
    def __init__(self):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "wry", "tauri:options": {"application": APP}}}}
        self.session = f"/session/{call('POST', '/session', caps)['sessionId']}"

    def find(self, selector, every=False):
        path = "/elements" if every else "/element"
        return call("POST", self.session + path, {"using": "css selector", "value": selector})

    def wait(self, selector, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.find(selector, every=True):
                return
            time.sleep(0.3)
        raise TimeoutError(f"no {selector} after {seconds} s")

    def element(self, selector):
        self.wait(selector)
        return next(iter(self.find(selector).values()))

    def click(self, selector):
        call("POST", f"{self.session}/element/{self.element(selector)}/click", {})

    def type(self, selector, text):
        call("POST", f"{self.session}/element/{self.element(selector)}/value", {"text": text})

    def script(self, code):
        return call("POST", self.session + "/execute/sync", {"script": code, "args": []})

    def shot(self, name):
        png = base64.b64decode(call("GET", self.session + "/screenshot"))
        with open(os.path.join(OUT, f"{name}.png"), "wb") as f:
            f.write(png)

    def quit(self):
        call("DELETE", self.session)


def sandbox(path, body):
    with open(os.path.join(DATA, "demo-sandbox-url")) as f:
        base = f.read().strip()
    call("POST", path, body, base=base)


def main():
    app = App()
    try:
        app.wait("[data-testid=demo-call]")
        for caller, outcome in [("+13475550188", "no-answer"), ("+12015550166", "voicemail"),
                                ("+16465550142", "busy"), ("+17185550177", "answered"),
                                ("+12125550123", "no-answer")]:
            sandbox("/sandbox/calls", {"from": caller, "to": BUSINESS, "outcome": outcome})
            time.sleep(0.7)
        time.sleep(9)
        sandbox("/sandbox/sms", {"from": "+16465550142", "to": BUSINESS,
                                 "body": "Do you take Delta Dental insurance?"})
        sandbox("/sandbox/sms", {"from": "+12015550166", "to": BUSINESS,
                                 "body": "Yes please, Thursday afternoon if you have anything"})
        time.sleep(1.5)
        sandbox("/sandbox/calls", {"from": "+13475550188", "to": BUSINESS, "outcome": "no-answer"})
        sandbox("/sandbox/sms", {"from": "+12125550123", "to": BUSINESS,
                                 "body": "Hi! Can I book a cleaning for Tuesday? <b>not bold</b>"})
        time.sleep(3)

        app.click('[data-testid=conversation-item][data-number="+12125550123"]')
        time.sleep(1)
        app.type("[data-testid=reply-input]", "Tuesday at 10:00 works. Shall I book you in?")
        app.click("[data-testid=reply-send]")
        time.sleep(4)
        app.type("[data-testid=reply-input]", "See you then! Reply here if anything changes")
        time.sleep(1)
        app.shot("thread")
        app.click('[data-testid=conversation-item][data-number="+12015550166"]')
        time.sleep(1)
        app.shot("inbox")
        for screen in ["calls", "templates", "metrics"]:
            app.click(f"[data-testid=nav-{screen}]")
            time.sleep(2)
            app.shot(screen)
        app.click("[data-testid=nav-settings]")
        time.sleep(1)
        app.script("document.querySelector('[data-testid=provider-kind]')"
                   ".closest('section').scrollIntoView({block: 'start'})")
        time.sleep(0.5)
        app.shot("settings")
    finally:
        app.quit()


if __name__ == "__main__":
    main()
