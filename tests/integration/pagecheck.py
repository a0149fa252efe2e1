"""What every attendee page must be, checked with independent parsers:
valid HTML (python3-html5lib, strict), no script but agendad's own inline
one, no event handler attributes, no javascript:/data: links, no bidi
controls, links between pages that resolve inside an export."""
import gzip
import pathlib
import re
import urllib.parse

import html5lib  # Debian's python3-html5lib

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Pages built per request: they exist on a server, not in an export.
DYNAMIC = {"now.html", "now.json", "search.html", "my"}


def parse(data, what):
    """The page's element tree; raises AssertionError on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        return parser.parse(data)
    except html5lib.html5parser.ParseError as e:
        raise AssertionError(f"{what} is not valid HTML: {e}") from None


def problems(data, what, script=None):
    """What is wrong with a page's bytes: a list of strings."""
    out = []
    tree = parse(data, what)
    text = data.decode("utf-8")
    if BIDI.search(text):
        out.append(f"{what}: a bidi control reached the page")
    scripts = tree.findall(".//script")
    if len(scripts) > 1:
        out.append(f"{what}: {len(scripts)} script elements")
    for s in scripts:
        if s.get("src") is not None:
            out.append(f"{what}: a script with src")
        if script is not None and (s.text or "") != script:
            out.append(f"{what}: a script that is not agendad's: {s.text[:80]!r}")
    for el in tree.iter():
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                out.append(f"{what}: attribute {name}={value!r} on <{el.tag}>")
            if name in ("href", "src", "action", "formaction"):
                scheme = value.strip().lower().split(":", 1)[0] if ":" in value else ""
                if scheme in ("javascript", "data", "vbscript"):
                    out.append(f"{what}: {name}={value!r}")
    return out


def relative_links(data):
    """The relative href and action targets of a page (fragments and
    queries dropped)."""
    tree = parse(data, "page")
    for el in tree.iter():
        for name in ("href", "action"):
            value = el.get(name)
            if value is None or re.match(r"^[a-z][a-z0-9+.-]*:", value) or value.startswith("#"):
                continue
            yield urllib.parse.urldefrag(value)[0].split("?")[0]


def broken_links(root, pages=None):
    """Relative links of an export's pages (all, or those listed) that
    name no file in it."""
    root = pathlib.Path(root)
    out = []
    for page in pages if pages is not None else root.rglob("*.html"):
        for link in relative_links(page.read_bytes()):
            target = (page.parent / link).resolve()
            if target.is_dir():
                target = target / "index.html"
            name = str(target.relative_to(root.resolve())) if target.is_relative_to(root.resolve()) else link
            if name in DYNAMIC:
                continue
            if not target.exists():
                out.append(f"{page.relative_to(root)}: {link}")
    return out


def gzip_size(data):
    return len(gzip.compress(data, 6))
