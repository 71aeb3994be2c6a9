"""GET /links/{shortCode}: a link's target, click count and dates."""

from common import http, link_clicks


@http.api_handler(public=True)
def handler(request: http.Request) -> http.Response:
    link = link_clicks.get_link_with_clicks(request.path_param("shortCode"))
    return http.json_response({**link.to_json(), "clicks": link.clicks})
