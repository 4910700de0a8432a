"""What the browser test reads from Chromium's logs and the built files, as plain functions (tested without a browser).

- :func:`console_errors`: the errors in ChromeDriver's ``browser`` log (console errors, uncaught exceptions,
  failed loads the console reports);
- :func:`network_events`: from its ``performance`` log (DevTools Network events), the requests that would leave
  the machine and the loads that failed;
- :func:`link_problem`: whether an internal ``file://`` link's file and ``#anchor`` exist in the built book.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from booktools.check_html import OPTIONAL_FILES

#: Schemes that stay on the machine; any other (http, https, ws, ftp, chrome-extension...) leaves the book.
LOCAL_SCHEMES = ("", "file", "data", "javascript", "blob", "about")


def is_external(url: str) -> bool:
    """Return whether ``url`` leaves the book (has a scheme other than file/data/blob/about, or starts with //)."""
    return url.startswith("//") or urlsplit(url).scheme not in LOCAL_SCHEMES


def console_errors(entries: list[dict]) -> list[str]:
    """Return one line per error in ChromeDriver's ``browser`` log entries (``level`` SEVERE)."""
    return [f"{e.get('source', 'console')}: {e.get('message', '')}" for e in entries if e.get("level") == "SEVERE"]


def network_events(messages: list[dict]) -> tuple[list[str], list[str]]:
    """Return (external URLs requested, failed loads) from ChromeDriver's ``performance`` log messages.

    Each message is the JSON of one log entry: ``{"message": {"method": ..., "params": ...}}``. A load the page
    itself cancelled (navigating away) is not a failure.
    """
    requests, failures, urls = [], [], {}
    for message in messages:
        event = message.get("message", message)
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params.get("requestId")] = url
            if is_external(url):
                requests.append(url)
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            reason = params.get("errorText") or ""
            if params.get("blockedReason"):
                reason += f" (blocked: {params['blockedReason']})"
            failures.append(f"{urls.get(params.get('requestId'), 'unknown URL')}: {reason.strip()}")
    return requests, failures


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for key in ("id", "name") if tag in ("a", "span", "div", "section") else ("id",):
            if attributes.get(key):
                self.ids.add(attributes[key])


@functools.lru_cache(maxsize=256)
def anchors(path: Path) -> frozenset[str]:
    """Return the ids (and ``name``s of anchors) in one HTML file: the targets a ``#fragment`` can reach."""
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return frozenset(parser.ids)


def link_problem(url: str) -> str | None:
    """Return a problem with an internal (``file://``) link, or None when its file and its anchor exist."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    target = Path(unquote(parts.path))
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file() and target.name in OPTIONAL_FILES and (target.parent / "index.html").is_file():
        return None  # an optional file another target builds (check_html notes it)
    if not target.is_file():
        return f"link to a missing file: {url}"
    anchor = unquote(parts.fragment)
    if anchor and target.suffix == ".html" and anchor not in anchors(target):
        return f"link to a missing anchor: {url}"
    return None
