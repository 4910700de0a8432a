"""The browser test's logic that needs no browser: reading Chromium's logs, checking links, the axe allow-list and
the report (``make browser-test`` runs the browser itself, after ``make book``)."""

from __future__ import annotations

import json
import re

import pytest

from booktools import axe, browser, pagecheck
from distillbook.errors import BookError


def test_console_errors_are_the_severe_entries():
    entries = [
        {"level": "INFO", "source": "console-api", "message": "theme: light mode"},
        {"level": "SEVERE", "source": "javascript", "message": "Uncaught Error: boom"},
        {"level": "WARNING", "source": "console-api", "message": "deprecated"},
        {"level": "SEVERE", "source": "network", "message": "file:///x.png - Failed to load resource"},
    ]
    assert pagecheck.console_errors(entries) == [
        "javascript: Uncaught Error: boom",
        "network: file:///x.png - Failed to load resource",
    ]


def _event(method: str, **params) -> dict:
    return {"message": {"method": method, "params": params}, "webview": "x"}


def test_network_events_find_external_requests_and_failed_loads():
    messages = [
        _event("Network.requestWillBeSent", requestId="1", request={"url": "file:///book/index.html"}),
        _event("Network.requestWillBeSent", requestId="2", request={"url": "https://cdn.example.org/x.js"}),
        _event(
            "Network.loadingFailed", requestId="2", errorText="net::ERR_BLOCKED_BY_CLIENT", blockedReason="inspector"
        ),
        _event("Network.requestWillBeSent", requestId="3", request={"url": "data:image/png;base64,AA"}),
        _event("Network.requestWillBeSent", requestId="4", request={"url": "file:///book/gone.png"}),
        _event("Network.loadingFailed", requestId="4", errorText="net::ERR_FILE_NOT_FOUND"),
        _event("Network.requestWillBeSent", requestId="5", request={"url": "file:///book/next.html"}),
        _event("Network.loadingFailed", requestId="5", errorText="net::ERR_ABORTED", canceled=True),
        _event("Page.loadEventFired"),
    ]
    requests, failures = pagecheck.network_events(messages)
    assert requests == ["https://cdn.example.org/x.js"]
    assert failures == [
        "https://cdn.example.org/x.js: net::ERR_BLOCKED_BY_CLIENT (blocked: inspector)",
        "file:///book/gone.png: net::ERR_FILE_NOT_FOUND",
    ]


@pytest.mark.parametrize(
    ("url", "external"),
    [("https://a.org", True), ("//a.org/x", True), ("ws://127.0.0.1:1", True), ("file:///a", False), ("#x", False)],
)
def test_what_counts_as_leaving_the_machine(url, external):
    assert pagecheck.is_external(url) is external


def test_link_problems(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text('<section id="results"></section><a name="old"></a>')
    page = (tmp_path / "sub" / "index.html").as_uri()
    assert pagecheck.link_problem(page + "#results") is None
    assert pagecheck.link_problem(page + "#old") is None
    assert pagecheck.link_problem(tmp_path.joinpath("sub").as_uri()) is None  # a folder means its index.html
    assert pagecheck.link_problem("https://example.org/#nothing") is None  # external: not checked here
    assert "missing anchor" in pagecheck.link_problem(page + "#resluts")
    assert "missing file" in pagecheck.link_problem((tmp_path / "gone.html").as_uri())


def test_pages_leave_out_sphinx_folders(tmp_path):
    for name in ("index.html", "chapters/a.html", "_static/x.html", "_sources/y.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in browser.pages(tmp_path)] == ["chapters/a.html", "index.html"]


BUTTON = axe.Finding("chapters/a.html", "label-content-name-mismatch", "serious", ".theme-switch-button")


def _allowlist(tmp_path, text: str) -> list[axe.AllowEntry]:
    path = tmp_path / "allow.yml"
    path.write_text(text)
    return axe.load_allowlist(path)


def test_allowlist_matches_rule_page_and_selector(tmp_path):
    allowlist = _allowlist(
        tmp_path,
        "- rule: label-content-name-mismatch\n  selector: '*theme-switch*'\n  reason: the theme's button\n"
        "- rule: region\n  page: 'chapters/*'\n  reason: sidebar\n"
        "- rule: color-contrast\n  reason: never matches\n",
    )
    region = axe.Finding("chapters/b.html", "region", "moderate", ".sidebar")
    elsewhere = axe.Finding("index.html", "region", "moderate", ".sidebar")
    other_button = axe.Finding("chapters/a.html", "label-content-name-mismatch", "serious", ".search-button")
    new, allowed, unused = axe.split([BUTTON, region, elsewhere, other_button], allowlist)
    assert new == [elsewhere, other_button]
    assert allowed == [BUTTON, region]
    assert [e.rule for e in unused] == ["color-contrast"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rule: region\nreason: x\n", "expected a list"),
        ("- region\n", "entry 1: expected a mapping"),
        ("- rule: region\n", "entry 1: 'reason' must be a non-empty string"),
        ("- rule: region\n  reason: ok\n- rule: region\n  reason: ' '\n", "entry 2: 'reason'"),
        ("- rule: region\n  reason: x\n  selctor: y\n", "unknown keys \\['selctor'\\]"),
        ("- rule: region\n  reason: x\n  page: [a]\n", "'page' must be a string"),
        ("- [unclosed\n", "cannot read"),
    ],
)
def test_a_bad_allowlist_names_file_entry_and_problem(tmp_path, text, problem):
    with pytest.raises(axe.AllowListError, match=problem) as raised:
        _allowlist(tmp_path, text)
    assert isinstance(raised.value, BookError) and "allow.yml" in str(raised.value)


def test_the_book_allowlist_is_valid_and_every_entry_has_a_reason():
    entries = axe.load_allowlist(browser.ALLOWLIST)
    assert all(len(entry.reason) > 20 for entry in entries)


def test_axe_findings_and_counts():
    result = {
        "version": "4.9.1",
        "violations": [
            {"id": "region", "impact": "moderate", "help": "h", "nodes": [{"target": ".a", "html": "<div>"}] * 2},
            {"id": "aria-required-children", "impact": "critical", "help": "h", "nodes": [{"target": ".l"}]},
        ],
    }
    found = axe.findings("x.html", result) + axe.findings("y.html", result)
    summary = axe.counts(found)
    assert summary["by_impact"] == {"critical": 2, "serious": 0, "moderate": 4, "minor": 0}
    assert summary["by_rule"] == [
        {"rule": "aria-required-children", "impact": "critical", "elements": 2, "pages": 2},
        {"rule": "region", "impact": "moderate", "elements": 4, "pages": 2},
    ]
    assert axe.describe(summary).startswith("6 violating elements: 2 critical, 0 serious, 4 moderate, 0 minor")
    with pytest.raises(RuntimeError, match=r"x\.html"):
        axe.findings("x.html", {"error": "axe is not defined"})


def test_the_bundled_axe_core_is_axe_4():
    assert re.match(r"/\*! axe v4\.\d+\.\d+", axe.script())


def _report(problems=(), findings=(), results=3, errors=()) -> dict:
    page = {"page": "a.html", "problems": list(problems), "axe": [vars(f) for f in findings]}
    search = {"where": "file://", "results": results, "console_errors": list(errors), "requests": []}
    return json.loads(json.dumps({"pages": [page], "search": [search]}))  # as read back from the JSON report


def test_failures_come_from_page_problems_search_and_axe_findings_not_allowed():
    assert browser.failures(_report(), []) == []
    assert browser.failures(_report(problems=["image did not load: x.png"]), []) == [
        "a.html: image did not load: x.png"
    ]
    assert browser.failures(_report(results=0), []) == [f"search.html?q={browser.SEARCH_TERM} (file://): found nothing"]
    assert "console: boom" in browser.failures(_report(errors=["boom"]), [])[0]
    failed = browser.failures(_report(findings=[BUTTON]), [])
    assert len(failed) == 1 and "axe serious label-content-name-mismatch" in failed[0]
    allow = [axe.AllowEntry("label-content-name-mismatch", "the theme's own button", selector=".theme-switch*")]
    assert browser.failures(_report(findings=[BUTTON]), allow) == []
