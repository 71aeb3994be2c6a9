"""What a browser would find in an HTML page: inline blocks, attributes, URLs it would load."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser


class PageParts(HTMLParser):
    """Collects each inline <script>/<style> body (as the browser hashes it) and every tag's attributes."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=False)  # CSP hashes the raw text, character references and all
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._open: str | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.inline:
            self._open = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.inline[self._open][-1] += data


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline block."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def csp_directives(policy: str) -> dict[str, list[str]]:
    """`default-src 'none'; img-src 'self' data:` -> {"default-src": ["'none'"], "img-src": ["'self'", "data:"]}."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = sources
    return directives
