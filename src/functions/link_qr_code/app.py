"""GET /links/{shortCode}/qr.svg: the link's short URL as an SVG QR code."""

import io

import segno

from common import http, links

# A code's short URL never changes (only its target could, and the QR does not carry that).
CACHE_SECONDS = 86400


@http.api_handler(public=True)
def handler(request: http.Request) -> http.Response:
    link = links.get_link(request.path_param("shortCode"))  # unknown or expired: 404 or 410
    return http.svg_response(qr_svg(links.short_url(link.short_code, request.base_url)), max_age=CACHE_SECONDS)


def qr_svg(text: str) -> str:
    """`text` as a QR code in SVG: modules drawn as one path, a white quiet zone, no text of ours.

    Error level M (segno raises it when the size allows): survives a smudge, stays small.
    """
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="svg", xmldecl=False, nl=False, scale=8, border=4, light="#fff")
    return out.getvalue().decode("utf-8")
