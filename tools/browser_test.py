"""Open every page of the built book in headless Chromium and check what a reader would see.

``python tools/browser_test.py [_build/html]`` (``make browser-test``; build the book first). Chromium runs with a
fresh profile and every http(s)/ws request blocked, so each page is tested as a reader without a network opens
it from the file system. For each page it fails on

- any console error, uncaught exception or failed resource load;
- any request to the network (the page would need it);
- an image that did not load (``naturalWidth == 0``);
- an internal link whose file or ``#anchor`` does not exist (checked against the built files);
- formulas left as raw TeX (MathJax did not typeset);

and the search page must find "distillation". A full-page screenshot of each page goes to
``_build/screenshots/`` and a JSON report to ``_build/browser-report.json``. It talks to Chromium over the Chrome
DevTools Protocol with ``websocket-client`` (already pinned), so no browser download or driver is needed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import websocket

from booktools import check_html

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
]
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
SEARCH_TERM = "distillation"
PAGE_TIMEOUT = 30.0
MAX_SCREENSHOT_HEIGHT = 12000

# Runs in the page once it has loaded: waits for MathJax and every image (lazy ones made eager), then reports.
SETTLE = """
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await Promise.race([MathJax.startup.promise, new Promise(r => setTimeout(r, 10000))]);
  }
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? null :
    new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); setTimeout(r, 10000); })));
  const text = document.body ? document.body.innerText : '';
  return {
    title: document.title,
    images: images.map(img => ({src: img.currentSrc || img.src, naturalWidth: img.naturalWidth, alt: img.alt})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    mathjax: document.querySelectorAll('mjx-container').length,
    rawTex: (text.match(/\\\\(frac|sum|log|mathrm|text)\\{/g) || []).length,
    height: Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,
                    document.body ? document.body.scrollHeight : 0),
    url: location.href,
    words: text.split(/\\s+/).filter(Boolean).length,
  };
})()
"""
# Waits until Sphinx's search says it has finished, then counts the result list.
SEARCH_RESULTS = """
(async () => {
  for (let i = 0; i < 150; i++) {
    const summary = document.querySelector('p.search-summary');
    if (summary && /finished|did not match/i.test(summary.innerText)) break;
    await new Promise(r => setTimeout(r, 200));
  }
  return document.querySelectorAll('#search-results ul.search li').length;
})()
"""
#: From the file system Chromium refuses the fetch() Sphinx's search uses to show a snippet of each result page
#: (CORS: file:// is an opaque origin). The result list itself works; served over HTTP the snippets work too,
#: which the HTTP pass checks with no error allowed. These are the only console errors tolerated, on search.html.
FILE_SEARCH_SNIPPET_ERRORS = ("has been blocked by CORS policy", "net::ERR_FAILED", "TypeError: Failed to fetch")


class Browser:
    """A headless Chromium with one tab, driven over the DevTools Protocol."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="distillbook-chromium-")
        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or len(port_file.read_text().splitlines()) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start: " + self.process.stderr.read().decode()[-2000:])
            time.sleep(0.1)
        port = port_file.read_text().splitlines()[0]
        browser = websocket.create_connection(f"ws://127.0.0.1:{port}{port_file.read_text().splitlines()[1]}")
        self.socket = browser
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Network.setBlockedURLs", urls=BLOCKED)
        self.call("Network.setCacheDisabled", cacheDisabled=True)

    def call(self, method: str, timeout: float = PAGE_TIMEOUT, **params) -> dict:
        """Send one DevTools command to the tab (browser-level for Target.*) and return its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if not method.startswith("Target.") and hasattr(self, "session"):
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise TimeoutError(f"{method} got no answer in {timeout} s")

    def wait_for(self, event: str, timeout: float = PAGE_TIMEOUT) -> None:
        """Read events until ``event`` arrives (or time out)."""
        deadline = time.monotonic() + timeout
        while not any(e["method"] == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} in {timeout} s")
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            reply = json.loads(self.socket.recv())
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path: Path, height: int) -> None:
        height = max(900, min(int(height), MAX_SCREENSHOT_HEIGHT))
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=height, deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride")

    def problems_from_events(self) -> tuple[list[str], list[str]]:
        """Return (console errors, network requests) seen since the page was opened."""
        errors, requests = [], []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                text = details.get("exception", {}).get("description") or details.get("text")
                errors.append(f"uncaught exception: {text}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                errors.append(f"console.{params['type']}: {args}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if check_html.is_external(url):
                    requests.append(url)
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                errors.append(
                    f"failed to load a resource: {params.get('errorText')} ({params.get('blockedReason', '')})"
                )
        return errors, requests

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort; the process is ended below either way
            self.call("Browser.close", timeout=5)
        self.socket.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def check_link(url: str, html_root: Path, ids: dict[Path, set[str]]) -> str | None:
    """Return a problem with an internal (file://) link, or None when the file and its anchor exist."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    target = Path(unquote(parts.path))
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"link to a missing file: {url}"
    anchor = unquote(parts.fragment)
    if anchor and target.suffix == ".html":
        if target not in ids:
            ids[target] = check_html.parse(target).ids
        if anchor not in ids[target]:
            return f"link to a missing anchor: {url}"
    return None


def run(html_root: Path, screenshots: Path, executable: str) -> dict:
    html_root = html_root.resolve()
    screenshots.mkdir(parents=True, exist_ok=True)
    browser = Browser(executable)
    ids: dict[Path, set[str]] = {}
    report = {"pages": [], "search": None}
    try:
        for path in check_html.pages(html_root):
            name = path.relative_to(html_root).as_posix()
            started = time.monotonic()
            browser.open(path.as_uri())
            state = browser.evaluate(SETTLE)
            errors, requests = browser.problems_from_events()
            problems = [f"console: {e}" for e in errors] + [f"network request: {r}" for r in requests]
            broken = [img["src"] for img in state["images"] if not img["naturalWidth"]]
            problems += [f"image did not load: {src}" for src in broken]
            internal = [url for url in state["links"] if url.startswith("file:")]
            problems += [p for url in set(internal) if (p := check_link(url, html_root, ids))]
            if state["rawTex"]:
                problems.append(f"{state['rawTex']} formulas shown as raw TeX (MathJax did not typeset)")
            shot = screenshots / (name.replace("/", "__").removesuffix(".html") + ".png")
            browser.screenshot(shot, state["height"])
            report["pages"].append(
                {
                    "page": name,
                    "title": state["title"],
                    "words": state["words"],
                    "images": len(state["images"]),
                    "images_loaded": len(state["images"]) - len(broken),
                    "internal_links": len(internal),
                    "formulas": state["mathjax"],
                    "console_errors": errors,
                    "network_requests": requests,
                    "problems": problems,
                    "screenshot": str(shot),
                    "seconds": round(time.monotonic() - started, 2),
                }
            )
        report["search"] = [search_from_files(browser, html_root, screenshots)]
        report["search"].append(search_over_http(browser, html_root, screenshots))
    finally:
        browser.close()
    return report


def search_from_files(browser: Browser, html_root: Path, screenshots: Path) -> dict:
    """Search from the file system: results must appear; only the snippet fetches may fail (see above)."""
    browser.open(f"{(html_root / 'search.html').as_uri()}?q={SEARCH_TERM}")
    found = browser.evaluate(SEARCH_RESULTS)
    errors, requests = browser.problems_from_events()
    tolerated = [e for e in errors if any(t in e for t in FILE_SEARCH_SNIPPET_ERRORS)]
    browser.screenshot(screenshots / "search-results-file.png", 900)
    return {
        "where": "file://",
        "results": found,
        "console_errors": [e for e in errors if e not in tolerated],
        "tolerated_snippet_errors": len(tolerated),
        "requests": requests,
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def search_over_http(browser: Browser, html_root: Path, screenshots: Path) -> dict:
    """Search with the book served from a loopback HTTP server, as a reader of the hosted book would: no errors."""
    handler = functools.partial(_QuietHandler, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        browser.call("Network.setBlockedURLs", urls=[])
        browser.open(f"{base}/search.html?q={SEARCH_TERM}")
        found = browser.evaluate(SEARCH_RESULTS)
        errors, requests = browser.problems_from_events()
        browser.screenshot(screenshots / "search-results-http.png", 900)
    finally:
        browser.call("Network.setBlockedURLs", urls=BLOCKED)
        server.shutdown()
        server.server_close()
    # Chromium asks any HTTP site for /favicon.ico by itself; the book has none, and no page asks for it.
    errors = [e for e in errors if not e.endswith(f"{base}/favicon.ico")]
    elsewhere = [url for url in requests if not url.startswith(base)]
    return {"where": "http://127.0.0.1", "results": found, "console_errors": errors, "requests": elsewhere}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--screenshots", type=Path, help="default: _build/screenshots beside the HTML folder")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    arguments = parser.parse_args(argv)
    if not (arguments.html / "index.html").is_file():
        print(f"browser-test: no built book at {arguments.html}; run `make book` first", file=sys.stderr)
        return 2
    if not arguments.chromium:
        print("browser-test: chromium not found (`make browser-test` installs it)", file=sys.stderr)
        return 2
    started = time.monotonic()
    report = run(arguments.html, arguments.screenshots or arguments.html.parent / "screenshots", arguments.chromium)
    (arguments.html.parent / "browser-report.json").write_text(json.dumps(report, indent=1) + "\n")
    failures = [f"{p['page']}: {problem}" for p in report["pages"] for problem in p["problems"]]
    for search in report["search"]:
        where = f"search.html?q={SEARCH_TERM} ({search['where']})"
        if not search["results"]:
            failures.append(f"{where}: found nothing")
        failures += [f"{where}: console: {e}" for e in search["console_errors"]]
        failures += [f"{where}: network request: {r}" for r in search["requests"]]
    pages = report["pages"]
    searches = "; ".join(
        f"{s['where']} {s['results']} results, {len(s['console_errors'])} console errors" for s in report["search"]
    )
    for page in pages:
        print(
            f"  {page['page']}: {page['images_loaded']}/{page['images']} images, {page['internal_links']} links, "
            f"{page['formulas']} formulas, {len(page['console_errors'])} console errors, {page['seconds']} s"
        )
    print(
        f"browser-test: {len(pages)} pages in headless Chromium, "
        f"{sum(len(p['console_errors']) for p in pages)} console errors, "
        f"{sum(p['images_loaded'] for p in pages)}/{sum(p['images'] for p in pages)} images loaded, "
        f"{sum(p['internal_links'] for p in pages)} internal links checked, "
        f"{sum(p['formulas'] for p in pages)} formulas typeset, "
        f"search for '{SEARCH_TERM}': {searches}; {time.monotonic() - started:.0f} s; "
        f"screenshots in {arguments.screenshots or arguments.html.parent / 'screenshots'}"
    )
    if failures:
        print(f"browser-test: {len(failures)} problems:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
