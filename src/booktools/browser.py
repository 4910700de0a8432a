"""Open every page of the built book in headless Chromium through Selenium and check what a reader would see.

One module of about 350 lines on purpose: every check runs in the same browser session, page by page, and the
parts that need no browser already live apart (``booktools.pagecheck``, ``booktools.axe``).

``python -m booktools.browser [_build/html]`` (``make browser-test``; build the book first). Selenium drives
Debian's ``chromium`` through Debian's ``chromedriver`` (Selenium Manager is never asked to find or download a
driver), with a fresh profile and every http(s)/ws/ftp request blocked, so each page is tested as a reader
without a network opens it from the file system. For each page it fails on

- any console error, uncaught exception or failed resource load;
- any request to the network (the page would need it);
- an image that did not load (``naturalWidth == 0``);
- an internal link whose file or ``#anchor`` does not exist (checked against the built files);
- formulas left as raw TeX (MathJax did not typeset);
- an axe-core accessibility violation that ``tests/axe_allowlist.yml`` does not allow (:mod:`booktools.axe`);

and the search page must find "distillation", opened from the file system and served by a loopback HTTP server.
A full-page screenshot of each page goes to ``_build/screenshots/`` and a JSON report to
``_build/browser-report.json``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from booktools import axe
from booktools.pagecheck import console_errors, link_problem, network_events

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
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
]
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
SEARCH_TERM = "distillation"
WIDTH, HEIGHT, MAX_SCREENSHOT_HEIGHT = 1280, 900, 12000
ALLOWLIST = Path(__file__).resolve().parents[2] / "tests" / "axe_allowlist.yml"

# Runs in the page once it has loaded: waits for MathJax and every image (lazy ones made eager), then reports.
SETTLE = """
return (async () => {
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
    words: text.split(/\\s+/).filter(Boolean).length,
  };
})();
"""
# index.html only redirects to the front page: it is checked where it lands, once that page has loaded.
REDIRECTS = "return !!document.querySelector('meta[http-equiv=\"refresh\" i]');"
LANDED = "return location.href.split(/[?#]/)[0] !== arguments[0] && document.readyState === 'complete';"
# Waits until Sphinx's search says it has finished, then counts the result list.
SEARCH_RESULTS = """
return (async () => {
  for (let i = 0; i < 150; i++) {
    const summary = document.querySelector('p.search-summary');
    if (summary && /finished|did not match/i.test(summary.innerText)) break;
    await new Promise(r => setTimeout(r, 200));
  }
  return document.querySelectorAll('#search-results ul.search li').length;
})();
"""
#: From the file system Chromium refuses the fetch() Sphinx's search uses to show a snippet of each result page
#: (CORS: file:// is an opaque origin). The result list itself works; served over HTTP the snippets work too,
#: which the HTTP pass checks with no error allowed. These are the only console errors tolerated, on search.html.
FILE_SEARCH_SNIPPET_ERRORS = ("has been blocked by CORS policy", "net::ERR_FAILED", "Failed to fetch")


class Browser:
    """Headless Chromium driven by Selenium, with the network blocked and console and network logs collected."""

    def __init__(self, chromium: str = CHROMIUM, chromedriver: str = CHROMEDRIVER):
        os.environ["SE_OFFLINE"] = "true"  # should Selenium Manager ever run, it must not download anything
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="booktools-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        self.driver.set_script_timeout(120)
        self.driver.set_page_load_timeout(60)
        self.cdp("Network.enable")
        self.cdp("Network.setCacheDisabled", cacheDisabled=True)
        self.block(True)
        self.driver.get("about:blank")
        self.logs()  # what the browser did while starting is not a page's doing
        self.window_chrome = self.driver.get_window_size()["height"] - self.driver.execute_script("return innerHeight")

    def cdp(self, command: str, **params) -> dict:
        return self.driver.execute_cdp_cmd(command, params)

    def block(self, blocked: bool) -> None:
        self.cdp("Network.setBlockedURLs", urls=BLOCKED if blocked else [])

    def logs(self) -> tuple[list[str], list[str], list[str]]:
        """Return (console errors, network requests, failed loads) since the last call, and forget them."""
        browser = self.driver.get_log("browser")
        requests, failures = network_events([json.loads(e["message"]) for e in self.driver.get_log("performance")])
        return console_errors(browser), requests, failures

    def open(self, url: str) -> str:
        """Load ``url`` (following a ``<meta http-equiv="refresh">`` redirect) and return where it landed."""
        from selenium.webdriver.support.wait import WebDriverWait

        self.logs()
        self.driver.get(url)
        if self.driver.execute_script(REDIRECTS):
            WebDriverWait(self.driver, 30).until(
                lambda driver: driver.execute_script(LANDED, url.split("#")[0].split("?")[0])
            )
        return self.driver.current_url

    def screenshot(self, path: Path, height: int) -> None:
        height = max(HEIGHT, min(int(height), MAX_SCREENSHOT_HEIGHT))
        self.driver.set_window_size(WIDTH, height + self.window_chrome)
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(WIDTH, HEIGHT + self.window_chrome)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def pages(html_root: Path) -> list[Path]:
    """Every HTML page of the built book, sorted, leaving out Sphinx's source and static folders."""
    skipped = {"_sources", "_static", "_images", "_downloads"}
    return [p for p in sorted(html_root.rglob("*.html")) if not skipped & set(p.relative_to(html_root).parts[:-1])]


def check_page(browser: Browser, path: Path, html_root: Path, screenshots: Path, axe_script: str) -> dict:
    """Open one page, run every check and axe; return its entry of the report (``problems`` empty when fine)."""
    name = path.relative_to(html_root).as_posix()
    started = time.monotonic()
    landed = browser.open(path.as_uri())
    state = browser.driver.execute_script(SETTLE)
    loaded = time.monotonic()
    errors, requests, failures = browser.logs()
    problems = [f"console: {e}" for e in errors] + [f"network request: {r}" for r in requests]
    problems += [f"failed to load a resource: {f}" for f in failures]
    broken = [img["src"] for img in state["images"] if not img["naturalWidth"]]
    problems += [f"image did not load: {src}" for src in broken]
    internal = [url for url in state["links"] if url.startswith("file:")]
    problems += [p for url in sorted(set(internal)) if (p := link_problem(url))]
    if state["rawTex"]:
        problems.append(f"{state['rawTex']} formulas shown as raw TeX (MathJax did not typeset)")
    browser.driver.execute_script(axe_script)
    audit = browser.driver.execute_async_script(axe.RUN)
    audited = time.monotonic()
    shot = screenshots / (name.replace("/", "__").removesuffix(".html") + ".png")
    browser.screenshot(shot, state["height"])
    done = time.monotonic()
    return {
        "page": name,
        "title": state["title"],
        "landed_on": landed,
        "words": state["words"],
        "images": len(state["images"]),
        "images_loaded": len(state["images"]) - len(broken),
        "internal_links": len(internal),
        "formulas": state["mathjax"],
        "console_errors": errors,
        "network_requests": requests,
        "axe_version": audit.get("version"),
        "axe": [vars(f) for f in axe.findings(name, audit)],
        "problems": problems,
        "screenshot": str(shot),
        "seconds": round(done - started, 2),
        "seconds_by_step": {
            "load": round(loaded - started, 2),
            "axe": round(audited - loaded, 2),
            "screenshot": round(done - audited, 2),
        },
    }


def search_from_files(browser: Browser, html_root: Path, screenshots: Path) -> dict:
    """Search from the file system: results must appear; only the snippet fetches may fail (see above)."""
    browser.open(f"{(html_root / 'search.html').as_uri()}?q={SEARCH_TERM}")
    found = browser.driver.execute_script(SEARCH_RESULTS)
    errors, requests, failures = browser.logs()
    errors += [f"failed to load a resource: {f}" for f in failures]
    tolerated = [e for e in errors if any(t in e for t in FILE_SEARCH_SNIPPET_ERRORS)]
    browser.screenshot(screenshots / "search-results-file.png", HEIGHT)
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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        browser.block(False)
        browser.open(f"{base}/search.html?q={SEARCH_TERM}")
        found = browser.driver.execute_script(SEARCH_RESULTS)
        errors, requests, failures = browser.logs()
        browser.screenshot(screenshots / "search-results-http.png", HEIGHT)
    finally:
        browser.block(True)
        server.shutdown()
        server.server_close()
    # Chromium asks any HTTP site for /favicon.ico by itself; the book has none, and no page asks for it.
    errors = [e for e in errors + [f"failed to load a resource: {f}" for f in failures] if "/favicon.ico" not in e]
    elsewhere = [url for url in requests if not url.startswith(base)]
    return {"where": "http://127.0.0.1", "results": found, "console_errors": errors, "requests": elsewhere}


def run(html_root: Path, screenshots: Path, chromium: str, chromedriver: str) -> dict:
    """Check every page and the search; return the report (see :func:`failures` for what fails)."""
    html_root = html_root.resolve()
    screenshots.mkdir(parents=True, exist_ok=True)
    axe_script = axe.script()
    browser = Browser(chromium, chromedriver)
    report = {"pages": [], "search": []}
    try:
        for path in pages(html_root):
            report["pages"].append(check_page(browser, path, html_root, screenshots, axe_script))
        report["search"] = [search_from_files(browser, html_root, screenshots)]
        report["search"].append(search_over_http(browser, html_root, screenshots))
    finally:
        browser.close()
    return report


def failures(report: dict, allowlist: list[axe.AllowEntry]) -> list[str]:
    """Every problem in a report, one line each, including axe findings the allow-list does not allow."""
    found = [f"{p['page']}: {problem}" for p in report["pages"] for problem in p["problems"]]
    for search in report["search"]:
        where = f"search.html?q={SEARCH_TERM} ({search['where']})"
        if not search["results"]:
            found.append(f"{where}: found nothing")
        found += [f"{where}: console: {e}" for e in search["console_errors"]]
        found += [f"{where}: network request: {r}" for r in search["requests"]]
    new, _, _ = axe.split(all_findings(report), allowlist)
    found += [f"{f.page}: axe {f.impact} {f.rule} ({f.help}) at {f.target}: {f.html[:120]}" for f in new]
    return found


def all_findings(report: dict) -> list[axe.Finding]:
    return [axe.Finding(**finding) for page in report["pages"] for finding in page["axe"]]


def summary(report: dict, allowlist: list[axe.AllowEntry], seconds: float) -> str:
    """What a reader of the CI log needs: per page, totals, the search, and axe's counts."""
    pages = report["pages"]
    lines = [
        f"  {p['page']}: {p['images_loaded']}/{p['images']} images, {p['internal_links']} links, "
        f"{p['formulas']} formulas, {len(p['console_errors'])} console errors, {len(p['axe'])} axe findings, "
        f"{p['seconds']} s"
        for p in pages
    ]
    new, allowed, unused = axe.split(all_findings(report), allowlist)
    searches = "; ".join(f"{s['where']} {s['results']} results" for s in report["search"])
    version = pages[0]["axe_version"] if pages else "?"
    lines.append(f"axe-core {version}, all findings: " + axe.describe(axe.counts(new + allowed)))
    lines.append(f"axe-core, not allowed by {ALLOWLIST.name}: " + axe.describe(axe.counts(new)))
    lines += [f"  allow-list entry that allowed nothing (remove it?): {e.rule} {e.page} {e.selector}" for e in unused]
    lines.append(
        f"browser-test: {len(pages)} pages in headless Chromium (Selenium), "
        f"{sum(len(p['console_errors']) for p in pages)} console errors, "
        f"{sum(p['images_loaded'] for p in pages)}/{sum(p['images'] for p in pages)} images loaded, "
        f"{sum(p['internal_links'] for p in pages)} internal links checked, "
        f"{sum(p['formulas'] for p in pages)} formulas typeset, search for '{SEARCH_TERM}': {searches}; "
        f"{seconds:.0f} s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--screenshots", type=Path, help="default: _build/screenshots beside the HTML folder")
    parser.add_argument("--allowlist", type=Path, default=ALLOWLIST)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--chromedriver", default=CHROMEDRIVER)
    arguments = parser.parse_args(argv)
    if not (arguments.html / "index.html").is_file():
        print(f"browser-test: no built book at {arguments.html}; run `make book` first", file=sys.stderr)
        return 2
    for program in (arguments.chromium, arguments.chromedriver):
        if not Path(program).is_file():
            print(f"browser-test: {program} not found (`make browser-test` installs it)", file=sys.stderr)
            return 2
    allowlist = axe.load_allowlist(arguments.allowlist)
    started = time.monotonic()
    screenshots = arguments.screenshots or arguments.html.parent / "screenshots"
    report = run(arguments.html, screenshots, arguments.chromium, arguments.chromedriver)
    (arguments.html.parent / "browser-report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(summary(report, allowlist, time.monotonic() - started) + f"; screenshots in {screenshots}")
    problems = failures(report, allowlist)
    if problems:
        print(f"browser-test: {len(problems)} problems:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
