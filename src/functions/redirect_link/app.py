"""GET /{shortCode}: count the click and redirect to the link's target."""

from common import http, link_clicks
from common.observability import MetricUnit, metrics

# Long enough to absorb a double click, short enough that repeat visits are counted.
BROWSER_CACHE_SECONDS = 90


@http.api_handler(public=True)
def handler(request: http.Request) -> http.Response:
    link = link_clicks.record_click(request.path_param("shortCode"))
    metrics.add_metric(name="Redirects", unit=MetricUnit.Count, value=1)
    return http.redirect(link.long_url, max_age=BROWSER_CACHE_SECONDS)
