"""GET /: the shortener's web page, one self-contained HTML file with inline CSS and JS.

The page is read and its Content-Security-Policy computed once per cold start: the policy
allows exactly the inline <style> and <script> blocks the page carries (by their SHA-256),
so a stray inline script or attribute handler, injected or not, never runs.
"""

import base64
import hashlib
import re
from pathlib import Path

from common import http

PAGE = (Path(__file__).parent / "index.html").read_text(encoding="utf-8")
# Short enough that a redeployed page reaches browsers quickly; the page has no per-user data.
CACHE_SECONDS = 300

_INLINE_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _hashes(page: str, tag: str) -> str:
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for found, body in _INLINE_BLOCK.findall(page)
        if found == tag
    )


CSP = "; ".join(
    [
        "default-src 'none'",
        f"script-src {_hashes(PAGE, 'script')}",
        f"style-src {_hashes(PAGE, 'style')}",
        "connect-src 'self'",
        "img-src 'self' data:",  # the QR code route, and the inline favicon
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


@http.api_handler(public=True)
def handler(request: http.Request) -> http.Response:
    return http.html_response(PAGE, csp=CSP, max_age=CACHE_SECONDS)
