#!/usr/bin/env python3
"""Drives the web console in headless Chromium over WebDriver (chromedriver, plain HTTP from the
standard library) against a running gateway; tests/console_e2e.sh starts devnode and mamgated.

usage: console_e2e.py BASE_URL TOKEN WORK_DIR SHOTS_DIR SIZES [read_auth]
  SIZES: comma-separated WIDTHxHEIGHT viewports for the screenshots of each page.
  read_auth: the second run, against the same gateway restarted with read_auth = true."""
import base64
import http.client
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
WAIT_S = 30
XSS = "<img src=x onerror=alert(1)>"
ENTER = "\ue007"  # the WebDriver key code of Enter


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A WebDriver session on a chromedriver of its own, Chromium headless with a fresh profile."""

    def __init__(self, work):
        self.port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=open(os.path.join(work, "chromedriver.log"), "wb"))
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={tempfile.mkdtemp(prefix='profile-', dir=work)}", "--window-size=1280,800"]
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"}, "unhandledPromptBehavior": "ignore",
                "goog:chromeOptions": {"binary": shutil.which("chromium") or "/usr/bin/chromium", "args": args}}
        self.session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def call(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Content-Type": "application/json"})
            reply = json.loads(conn.getresponse().read() or b"{}")
        finally:
            conn.close()
        value = reply.get("value")
        if isinstance(value, dict) and "error" in value:
            raise Failure(f"WebDriver {method} {path}: {value['error']}: {value.get('message', '')[:300]}")
        return value

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def quit(self):
        try:
            self.s("DELETE", "")
        except Exception:  # the browser may be gone already
            pass
        self.driver.terminate()
        self.driver.wait(10)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        found = self.s("POST", "/element", {"using": "css selector", "value": css})
        if not isinstance(found, dict) or ELEMENT not in found:
            raise Failure(f"no element {css}: {found}")
        return found[ELEMENT]

    def find_by_label(self, text):
        """The control whose <label for> says text (the accessible label the issue asks for)."""
        eid = self.js("""const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === arguments[0]);
                         return l && document.getElementById(l.htmlFor) ? '#' + CSS.escape(l.htmlFor) : null;""", text)
        if not eid:
            raise Failure(f"no control labelled {text!r}")
        return self.find(eid)

    def button(self, text):
        css = self.js("""const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === arguments[0] && !b.disabled);
                         if (!b) return null; b.dataset.pick = arguments[0]; return `button[data-pick="${arguments[0]}"]`;""", text)
        if not css:
            raise Failure(f"no enabled button {text!r}")
        return self.find(css)

    def type(self, eid, text):
        self.s("POST", f"/element/{eid}/clear", {})
        self.s("POST", f"/element/{eid}/value", {"text": text})

    def click(self, eid):
        self.s("POST", f"/element/{eid}/click", {})

    def wait(self, what, script, *args, timeout=WAIT_S):
        until = time.time() + timeout
        while time.time() < until:
            value = self.js(script, *args)
            if value:
                return value
            time.sleep(0.2)
        raise Failure(f"timed out waiting for {what}")

    def viewport(self, width, height):
        self.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def alert_open(self):
        try:
            self.s("GET", "/alert/text")
            return True
        except Failure as e:
            if "no such alert" in str(e):
                return False
            raise

    def console_errors(self):
        entries = self.s("POST", "/se/log", {"type": "browser"})
        return [e for e in entries if e.get("level") == "SEVERE"]


def rest(base, method, path, token, body=None):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, dict(res.getheaders()), data


class Test:
    def __init__(self, base, token, work, shots, sizes):
        self.base, self.token, self.work, self.shots, self.sizes = base, token, work, shots, sizes
        self.passed, self.failed = 0, 0
        self.b = None

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {name} {detail}")

    def messages_with(self, text):
        return self.b.js("""return [...document.querySelectorAll('.messages .message summary .what')]
                            .filter(e => e.textContent.includes(arguments[0])).length""", text)

    def run(self):
        # ---- headers of the console itself
        status, headers, body = rest(self.base, "GET", "/", None)
        csp = headers.get("Content-Security-Policy", "")
        self.check("console served", status == 200 and b'type="module"' in body, status)
        self.check("CSP present and strict", "default-src 'none'" in csp and "script-src 'self'" in csp
                   and "unsafe-inline" not in csp, csp)
        self.check("HTML content type", headers.get("Content-Type", "").startswith("text/html"))
        status, headers, _ = rest(self.base, "GET", "/console/app.js", None)
        self.check("module content type", headers.get("Content-Type", "").startswith("text/javascript"))
        etag = headers.get("ETag")
        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("GET", "/console/app.js", headers={"If-None-Match": etag or '"none"'})
        self.check("revalidation answers 304", conn.getresponse().status == 304)
        conn.close()

        self.b = Browser(self.work)
        b = self.b
        # ---- sign in
        b.go(self.base + "/")
        b.wait("the overview", "return document.querySelector('main h1')?.textContent === 'Overview' && document.body.textContent.includes('Version')")
        self.check_modules()
        b.js("window.notReloaded = true")
        b.type(b.find_by_label("Token"), self.token + ENTER)  # the keyboard submits the form
        b.wait("signed in", "return !document.getElementById('signedin').hidden")
        self.check("token in sessionStorage", b.js("return sessionStorage.getItem('mamgate.token')") == self.token)
        self.check("token not in the DOM", self.token not in b.js("return document.documentElement.outerHTML"))

        # ---- a channel through the console
        b.go(self.base + "/#/channels")
        b.wait("channel form", "return !!document.querySelector('form[aria-label=\"Create a channel\"] button:not([disabled])')")
        b.type(b.find_by_label("Merkle tree height"), "2")
        b.click(b.button("Create channel"))
        channel = b.wait("the new channel", """const a = document.querySelector('form .status a.id'); return a && a.textContent""")
        self.check("channel id", len(channel) == 81, channel)
        b.wait("the channel listed", "return document.querySelector('.list a.id')?.textContent === arguments[0]", channel)
        self.shoot("channels")

        # ---- a message before the watch, then watch with back-fill through the form
        status, _, _ = rest(self.base, "POST", f"/v1/channels/{channel}/messages", self.token,
                            {"payload": "before the watch", "checksum": "signature"})
        self.check("REST publish before watching", status == 201, status)
        b.go(self.base + "/#/watch")
        b.wait("watch form", "return !!document.querySelector('form[aria-label=\"Watch a channel\"]')")
        b.type(b.find_by_label("Channel id"), channel)
        b.click(b.button("Watch"))
        b.wait("watch added", "return document.querySelector('form .status')?.textContent.startsWith('Watching')")

        # ---- the channel page: back-filled history, then live messages without a reload
        b.go(self.base + f"/#/channel/{channel}")
        b.js("window.notReloaded = true")
        b.wait("the back-filled message", "return [...document.querySelectorAll('.messages .what')].some(e => e.textContent.includes('before the watch'))")
        self.check("back-fill shows", True)
        b.wait("live mode", "return document.querySelector('main .live')?.textContent.startsWith('Live')")

        # publish through the form in a second window while the channel page stays open
        main_window = b.s("GET", "/window")
        b.s("POST", "/window/new", {"type": "tab"})
        other = [h for h in b.s("GET", "/window/handles") if h != main_window][0]
        b.s("POST", "/window", {"handle": other})
        b.go(self.base + f"/#/publish/{channel}")
        b.type(b.find_by_label("Token"), self.token)  # sessionStorage is per tab: sign in here too
        b.click(b.button("Sign in"))
        b.wait("publish form", "return !!document.querySelector('form[aria-label=\"Publish a message\"] button:not([disabled])')")
        b.type(b.find_by_label("Payload"), "signed from the form")
        checksum = b.s("GET", f"/element/{b.find_by_label('Checksum')}/property/value")
        self.check("signature is the default checksum", checksum == "signature", checksum)
        self.shoot("publish")
        # an error shows the API's message (the one refused request is the expected one)
        b.console_errors()
        b.type(b.find_by_label("Other NTRU public keys"), "NOTAKEY")
        b.click(b.button("Publish"))
        shown = b.wait("the API's error", "const s = document.querySelector('form .status.error'); return s && s.textContent")
        self.check("API error message shown", "ntru_public_keys must be public keys" in shown, shown)
        refused = b.console_errors()
        self.check("only the refused publish logged", len(refused) == 1 and "400" in refused[0]["message"], refused)
        b.type(b.find_by_label("Other NTRU public keys"), "")
        b.click(b.button("Publish"))
        result = b.wait("publish result", "const s = document.querySelector('form .status'); return s && !s.textContent.endsWith('…') && s.textContent")
        self.check("form publish answered", result.startswith("Published message") and "signatures left" in result, result)
        b.s("DELETE", "/window")
        b.s("POST", "/window", {"handle": main_window})
        b.wait("the form's message live", "return [...document.querySelectorAll('.messages .what')].some(e => e.textContent.includes('signed from the form'))")
        self.check("form message arrived live", True)

        status, _, _ = rest(self.base, "POST", f"/v1/channels/{channel}/messages", self.token, {"payload": XSS, "checksum": "mac"})
        self.check("REST publish of markup", status == 201, status)
        b.wait("the REST message live", "return [...document.querySelectorAll('.messages .what')].some(e => e.textContent.includes(arguments[0]))", XSS)
        self.check("no reload happened", b.js("return window.notReloaded === true"))
        self.check("newest first", b.js("return document.querySelector('.messages .what').textContent") == XSS)
        self.check("markup rendered as text", b.js("return document.querySelectorAll('main img').length") == 0)
        time.sleep(0.5)
        self.check("no dialog opened", not b.alert_open())
        # a message expands to its packets
        b.s("POST", f"/element/{b.find('.messages details.message summary')}/value", {"text": ENTER})  # keyboard
        details = b.js("return document.querySelector('.messages details.message[open]')?.textContent || ''")
        self.check("packet details", all(k in details for k in ("Order", "Checksum", "mac", "Verified", "yes", "Endpoint", "Bundle", "Time")), details[:200])
        # a signed packet names the Merkle leaf its signature spent
        leaf = b.wait("the signed packet's leaf", "const d = [...document.querySelectorAll('.messages details.message')].find(e => e.textContent.includes('signed from the form')); if (!d) return ''; d.open = true; const m = d.textContent.match(/Merkle leaf \\d+/); return m && m[0]")
        self.check("signed packet shows its leaf", leaf.startswith("Merkle leaf "), leaf)
        self.shoot("channel")
        # an endpoint through the channel page; the signatures left follow
        b.type(b.find_by_label("Endpoint height"), "1")
        b.click(b.button("Add endpoint"))
        b.wait("the endpoint listed", "return !!document.querySelector('ul[aria-label=Endpoints] li')")
        _, _, body = rest(self.base, "GET", f"/v1/channels/{channel}", self.token)
        remaining = json.loads(body)["remaining_signatures"]
        b.wait("signatures left refreshed", "return document.querySelector('main .sigs')?.textContent.includes(arguments[0])",
               f" {remaining} of 4 ")

        # ---- keys: a PSK shown once
        b.go(self.base + "/#/keys")
        b.click(b.button("Create PSK"))
        psk = b.wait("the new PSK", "const d = document.querySelector('.secret dd code'); return d && d.textContent")
        key = b.js("return document.querySelectorAll('.secret dd code')[1].textContent")
        self.check("PSK key shown once", len(key) == 81, key)
        b.wait("PSK listed", "return [...document.querySelectorAll('ul[aria-label=PSKs] code')].some(c => c.textContent === arguments[0])", psk)
        self.shoot("keys")
        b.click(b.button("Dismiss"))
        self.check("key gone after dismiss", key not in b.js("return document.documentElement.outerHTML"))
        b.go(self.base + "/#/watch")
        b.wait("watch form", "return !!document.querySelector('form[aria-label=\"Watch a channel\"]')")
        b.find_by_label("Channel id")  # raises when the label is missing
        b.button("Watch")
        self.shoot("watch")

        # ---- overview and screenshots
        b.go(self.base + "/#/overview")
        b.wait("the overview", "return document.body.textContent.includes('Packets decoded')")
        self.check("chart drawn", b.js("return !!document.querySelector('svg.chart[aria-label]')"))
        facts = b.js("return Object.fromEntries([...document.querySelectorAll('#ov-gw + dl dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]))")
        self.check("overview: store engine", facts.get("Store") == "sqlite", facts)
        self.check("overview: the feed's last frame", re.fullmatch(r"\d+ (s|min) ago", facts.get("Last frame", "")) is not None, facts)
        self.check("overview: queued packets", facts.get("Queued", "").isdigit(), facts)
        self.shoot("overview")
        # ---- the token stays out of URLs
        urls = b.js("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]")
        self.check("token never in a URL", not any(self.token in x for x in urls))
        errors = b.console_errors()
        self.check("no console error", not errors, json.dumps(errors)[:1000])

    def run_read_auth(self):
        """The gateway now has read_auth on: reads need the token too, the stream included (sent in
        a header by fetch, never in the URL)."""
        status, _, _ = rest(self.base, "GET", "/v1/channels", None)
        self.check("reads need the token", status == 401, status)
        _, _, body = rest(self.base, "GET", "/v1/channels", self.token)
        channel = json.loads(body)["channels"][0]["channel_id"]
        self.b = Browser(self.work)
        b = self.b
        b.go(self.base + f"/#/channel/{channel}")
        b.wait("the sign-in hint", "return document.body.textContent.includes('needs the token')")
        b.console_errors()  # the refused reads before sign-in are expected; later ones are not
        b.type(b.find_by_label("Token"), self.token)
        b.click(b.button("Sign in"))
        b.wait("live mode", "return document.querySelector('main .live')?.textContent.startsWith('Live')")
        self.check("stored messages with the token", self.messages_with("signed from the form") == 1)
        status, _, _ = rest(self.base, "POST", f"/v1/channels/{channel}/messages", self.token,
                            {"payload": "read_auth live", "checksum": "mac"})
        self.check("REST publish", status == 201, status)
        b.wait("the live message with read_auth", "return [...document.querySelectorAll('.messages .what')].some(e => e.textContent.includes('read_auth live'))")
        self.check("live with read_auth", True)
        urls = b.js("return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]")
        self.check("token never in a URL", not any(self.token in x for x in urls))
        errors = b.console_errors()
        self.check("no console error after sign-in", not errors, json.dumps(errors)[:1000])

    def check_modules(self):
        """The console's pure functions, imported as the page imports them."""
        got = self.b.s("POST", "/execute/async", {"args": [], "script": r"""
            const done = arguments[arguments.length - 1];
            Promise.all([import('/console/api.js'), import('/console/overview.js')]).then(([api, ov]) => {
              const first = api.parseEvents('id: 5\nevent: message\ndata: {"a":1}\n\nid: 6\nda');
              const second = api.parseEvents(first.tail + 'ta: x\n\n: keep-alive\n\ndata: a\r\ndata: b\r\n\r\n');
              const t = 60000 * 1000;
              done({
                first: first.events, tail: first.tail, second: second.events,
                bins: ov.perMinute([[t, 3], [t + 60000, 8], [t + 120000, 2]], t + 120000).slice(-3),
                rejected: ov.rejectedByReason('x 1\nmamgate_decode_rejected_total{reason="bad \\"sig\\""} 4\n'),
                frames: [ov.lastFrame(null, t), ov.lastFrame(t - 5000, t), ov.lastFrame(t - 600000, t)],
              });
            }, (err) => done({error: String(err)}));"""})
        self.check("SSE: an event and an unfinished tail", got.get("first") == [{"id": "5", "type": "message", "data": '{"a":1}'}]
                   and got.get("tail") == "id: 6\nda", got)
        self.check("SSE: the tail completed, comments skipped, CRLF and multi-line data",
                   got.get("second") == [{"id": "6", "type": "message", "data": "x"},
                                         {"id": None, "type": "message", "data": "a\nb"}], got)
        self.check("per minute, a counter reset counts from zero", got.get("bins") == [0, 5, 2], got)
        self.check("rejections by reason", got.get("rejected") == [['bad "sig"', 4]], got)
        self.check("last frame: never, seconds, minutes", got.get("frames") == ["never", "5 s ago", "10 min ago"], got)

    def shoot(self, page):
        b = self.b
        unnamed = b.js("""return [...document.querySelectorAll('input, select, textarea, button')]
            .filter(el => !el.labels?.length && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
            .map(el => el.outerHTML.slice(0, 100))""")
        self.check(f"every control on {page} has a label", not unnamed, unnamed)
        for w, h in self.sizes:
            b.viewport(w, h)
            time.sleep(0.3)
            overflow = b.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.check(f"{page} fits {w} px", overflow <= 0, f"overflow {overflow}px")
            b.screenshot(os.path.join(self.shots, f"console-{page}-{w}x{h}.png"))
        b.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.clearDeviceMetricsOverride", "params": {}})


def main():
    base, token, work, shots, sizes = sys.argv[1:6]
    read_auth = sys.argv[6:] == ["read_auth"]
    sizes = [tuple(int(x) for x in s.split("x")) for s in sizes.split(",")]
    os.makedirs(shots, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so the browser is closed below
    t = Test(base, token, work, shots, sizes)
    try:
        t.run_read_auth() if read_auth else t.run()
    except (Failure, OSError, KeyError, ValueError, TypeError) as e:
        t.check("browser run", False, f"{type(e).__name__}: {e}")
        if t.b:
            try:
                t.b.screenshot(os.path.join(work, "failure.png"))
                print("page text:", t.b.js("return document.body.innerText")[:1500])
                print("console:", json.dumps(t.b.console_errors())[:1500])
            except Failure:
                pass
    finally:
        if t.b:
            t.b.quit()
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
