"""The site's auditors: tools nobody here wrote, run against a live server.

Each function runs one tool and returns what it found wrong, as short strings
a failing assertion can print: the Nu HTML checker (vnu.jar, on Debian's
Java), axe-core injected into Debian's Chromium through selenium, Lighthouse
(accessibility, best practices, SEO) in one Chromium, and linkinator's crawl
of the internal links. The tools are installed from npm by `make audit-tools`
into tests/audit/node_modules (package.json and package-lock.json here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
VNU_JAR = MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE_SCRIPT = HERE / "lighthouse-pages.mjs"
LINKS_SCRIPT = HERE / "links.mjs"

#: axe-core rule sets run: WCAG 2.0-2.2 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def missing_tools() -> list[str]:
    """What `make audit-tools` has not installed yet (empty when all is there)."""
    wanted = {"java": shutil.which("java"), "node": shutil.which("node"),
              "chromium": shutil.which("chromium"), str(VNU_JAR): VNU_JAR.exists(),
              str(AXE_JS): AXE_JS.exists(), "linkinator": (MODULES / "linkinator").exists(),
              "lighthouse": (MODULES / "lighthouse").exists()}
    return [name for name, found in wanted.items() if not found]


def nu_errors(urls: list[str], timeout: float = 120) -> list[str]:
    """Errors of the Nu HTML checker on each page, fetched here and checked as files
    (vnu refuses to fetch from loopback hosts itself)."""
    documents = {}
    for url in urls:
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        documents[url] = response.content
    return nu_errors_in(documents, timeout)


def nu_errors_in(documents: dict[str, bytes], timeout: float = 120) -> list[str]:
    """Errors of the Nu HTML checker in HTML documents, by name, in one run of vnu.jar."""
    folder = Path(tempfile.mkdtemp(prefix="mha-kg-nu-"))
    try:
        names = {}
        for index, (name, body) in enumerate(documents.items()):
            path = folder / f"page-{index}.html"
            path.write_bytes(body)
            names[path.name] = name
        run = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                              *[str(folder / f"page-{i}.html") for i in range(len(documents))]],
                             capture_output=True, text=True, timeout=timeout)
        report = json.loads(run.stderr or run.stdout)
        return [f"{names.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}: {m['message']}"
                for m in report["messages"] if m["type"] in ("error", "non-document-error")]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def axe_violations(driver, url: str) -> list[str]:
    """axe-core's violations on a page as loaded in the browser (scripts run, editor drawn)."""
    driver.get(url)
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    return [f"{url}: {line}" for line in run_axe(driver)]


def run_axe(driver) -> list[str]:
    """axe-core (already injected) on the current page: one line per violated rule."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))"
        ".catch(e => done(['axe failed: ' + e]));", AXE_TAGS)


def lighthouse(urls: list[str], timeout: float = 600) -> dict[str, dict]:
    """Lighthouse's scores and failed audits per page (accessibility, best practices, SEO)."""
    env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"}
    run = subprocess.run(["node", str(LIGHTHOUSE_SCRIPT), *urls], capture_output=True, text=True,
                         timeout=timeout, cwd=HERE, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"lighthouse failed: {run.stderr[-2000:]}")
    return json.loads(run.stdout)


def lighthouse_shortfalls(report: dict[str, dict]) -> list[str]:
    """Every category under 100 on every page, with the audits that cost it."""
    found = []
    for url, page in report.items():
        if page["runtimeError"]:
            found.append(f"{url}: {page['runtimeError']}")
        for category, score in page["scores"].items():
            if score != 1:
                failed = "; ".join(f"{f['id']} {f['items'][:2]}" for f in page["failed"])
                found.append(f"{url}: {category} {score}: {failed}")
    return found


def broken_links(urls: list[str], site: str, recurse: bool, timeout: float = 900) -> tuple[list[str], int]:
    """(broken internal links, links checked) by linkinator, from the given pages; with
    `recurse`, every page of the site reachable from them. Links leaving `site` are skipped:
    the tests never reach the internet."""
    run = subprocess.run(["node", str(LINKS_SCRIPT), site, "recurse" if recurse else "one", *urls],
                         capture_output=True, text=True, timeout=timeout, cwd=HERE)
    if run.returncode != 0:
        raise RuntimeError(f"linkinator failed: {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    broken = [f"{link['url']} ({link['status']}) linked from {link['parent']}" for link in report["broken"]]
    return broken, report["checked"]
