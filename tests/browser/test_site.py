"""The course website: build it into a temporary folder, serve it on localhost,
open every page in headless Chromium. Slow the first time (every chapter is
executed once, then cached in .site-cache/); skip with -m 'not site'."""

import functools
import http.server
import importlib.util
import re
import subprocess
import sys
import threading
import types
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest

import nnkit
import nnkit.nn

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
pytestmark = [
    pytest.mark.site,
    pytest.mark.skipif(importlib.util.find_spec("myst_nb") is None,
                       reason="site tools not installed (pip install -e .[site])"),
]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-q",
                             ".", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield types.SimpleNamespace(out=out, url=f"http://127.0.0.1:{server.server_port}/")
    server.shutdown()


# MathJax 2 declares a placeholder font "MathJax_Blank" at url('about:blank') for measuring
# text; today's Chromium logs that as a CORS error. Nothing on the page depends on it.
MATHJAX_BLANK = "Access to font at 'about:blank'"


def optional_font(url):
    # MathJax 2 first tries its TeX font for \mathbb, which jupyter-server-mathjax leaves
    # out; it then draws the letter from STIX-Web (checked by eye on chapter 03's formulas)
    return "/_static/fonts/HTML-CSS/TeX/" in url


def open_page(page, url):
    errors = []
    # the browser asks every site for /favicon.ico on its own; the site has none
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith(MATHJAX_BLANK) and not (m.text.startswith("Failed to load resource") and m.location and
                     (optional_font(m.location.get("url", "")) or
                      m.location.get("url") == "about:blank")) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: None if optional_font(r.url) or r.url == "about:blank"
            else errors.append(f"failed request {r.url}"))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, url
    return errors


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_loads_with_its_figures(site, page, chapter):
    errors = open_page(page, f"{site.url}chapters/{chapter}.html")
    assert errors == [], errors
    source = (ROOT / "chapters" / f"{chapter}.ipynb").read_text()
    # every figure or widget picture the chapter draws is on the page
    drawn = source.count("plt.show()") + source.count(".show()")
    images = page.locator("article img:not([alt='Open In Colab'])").count()
    if drawn:
        assert images >= 1, f"{chapter}: no figure on the page"
    # every formula is typeset by MathJax (served with the site), none left as raw TeX
    page.wait_for_function(
        "[...document.querySelectorAll('article .math.notranslate')]"
        ".every(e => e.querySelector('.MathJax, .MathJax_Display'))", timeout=60_000)
    broken = page.evaluate("[...document.images].filter(i => !i.complete || !i.naturalWidth)"
                           ".map(i => i.src).filter(s => s.startsWith(location.origin))")
    assert broken == []


def test_internal_links_resolve(site):
    seen, todo, bad = set(), ["index.html"], []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        text = (site.out / path).read_text(errors="replace")
        for href in re.findall(r'href="([^"#?][^"]*)"', text):
            if re.match(r"[a-z]+:", href):  # another site (Binder, Colab) or mailto:
                continue
            target = urldefrag(urljoin(path, href))[0].split("?")[0]
            if not (site.out / target).exists():
                bad.append(f"{path} -> {href}")
            elif target.endswith(".html"):
                todo.append(target)
    assert bad == []
    assert {f"chapters/{c}.html" for c in CHAPTERS} <= seen


def test_search_finds_a_word(site, page):
    errors = open_page(page, f"{site.url}search.html?q=backpropagation")
    page.wait_for_selector("#search-results li", timeout=30_000)
    assert page.locator("#search-results li").count() >= 1
    assert errors == [], errors


def public_names(module):
    return [n for n in module.__all__ if not isinstance(getattr(module, n), types.ModuleType)]


def test_api_reference_lists_every_public_name(site, page):
    errors = open_page(page, f"{site.url}docs/api.html")
    assert errors == [], errors
    text = page.inner_text("article")
    missing = [n for n in public_names(nnkit) + public_names(nnkit.nn) if n not in text]
    assert missing == []
    for name in ("nnkit.nn.Linear", "nnkit.Tensor"):
        assert (site.out / "docs" / "generated" / f"{name}.html").exists()


def test_a_chapter_links_the_first_use_of_a_name_to_the_api_reference(site, page):
    open_page(page, f"{site.url}chapters/03_layers_and_forward_pass.html")
    links = page.locator("article a[href$='docs/generated/nnkit.nn.Linear.html']")
    assert links.count() == 1  # the first use only
    links.first.click()
    page.wait_for_load_state()
    assert page.url.endswith("docs/generated/nnkit.nn.Linear.html")
    assert "Linear" in page.inner_text("article")


DEFAULT_REPR = re.compile(r"(&lt;|<)[\w.]+( object)? at 0x[0-9a-f]+(&gt;|>)|\) at 0x[0-9a-f]+")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_output_shows_a_default_repr(site, chapter):
    # `<Foo object at 0x7f...>` or `Generator(PCG64) at 0x...` under a cell tells the learner
    # nothing: every chapter was executed for the site, so its outputs are all here
    html = (site.out / "chapters" / f"{chapter}.html").read_text()
    outputs = re.findall(r'<div class="cell_output.*?</div>\s*</div>', html, flags=re.DOTALL)
    found = [m.group(0) for text in outputs for m in [DEFAULT_REPR.search(text)] if m]
    assert found == [], f"{chapter}: {found}"
