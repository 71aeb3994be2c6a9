"""GET /links/{shortCode}: a link's target, click count and dates."""

from common import http, links


@http.api_handler
def handler(request: http.Request) -> http.Response:
    link = links.get_link(request.path_param("shortCode"))
    return http.json_response({**link.to_json(), "clicks": link.clicks})
