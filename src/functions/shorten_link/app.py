"""POST /shorten: create a short link for a URL, with an optional alias and expiry."""

from common import http, link_urls, links
from common.observability import MetricUnit, metrics


@http.api_handler(public=True)
def handler(request: http.Request) -> http.Response:
    body = request.json_object(required=("url",), optional=("alias", "expiresInDays"))
    long_url = link_urls.normalize_url(body["url"], service_urls=link_urls.service_urls(request.base_url))
    alias = links.validate_alias(body["alias"]) if body.get("alias") is not None else None
    days = links.validate_expiry_days(body.get("expiresInDays", links.default_expiry_days()))

    link = links.create_link(long_url, alias=alias, expires_in_days=days)

    metrics.add_metric(name="LinksCreated", unit=MetricUnit.Count, value=1)
    return http.json_response(
        {**link.to_json(), "shortUrl": links.short_url(link.short_code, request.base_url)},
        status=201,
        headers={"Location": f"/links/{link.short_code}"},
    )
