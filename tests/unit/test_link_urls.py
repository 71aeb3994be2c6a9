"""What a link may point to: the pure rules in common.links, without AWS."""

from __future__ import annotations

import pytest

from common import errors, links


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://example.com", "https://example.com"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("https://example.com/<tag>", "https://example.com/%3Ctag%3E"),
        ("https://\u0430pple.com/", "https://xn--pple-43d.com/"),  # a Cyrillic look-alike shows as punycode
    ],
)
def test_accepted_urls_are_normalized_to_ascii(url: str, normalized: str) -> None:
    assert links.normalize_url(url) == normalized


def test_loopback_on_another_port_is_not_this_service() -> None:
    assert links.normalize_url("http://127.0.0.1:8000/", own_hosts=["127.0.0.1:3000"]) == "http://127.0.0.1:8000/"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:3000/abc", "http://127.0.0.1:3000", "HTTP://127.0.0.1:3000/x"],
)
def test_this_service_on_its_own_port_is_refused(url: str) -> None:
    with pytest.raises(errors.BadRequest, match="must not point at this service"):
        links.normalize_url(url, own_hosts=["127.0.0.1:3000"])


def test_default_ports_count_as_the_same_host() -> None:
    with pytest.raises(errors.BadRequest, match="must not point at this service"):
        links.normalize_url("https://sho.rt:443/x", own_hosts=["sho.rt"])


@pytest.mark.parametrize("url", ["http://[::zz]/", "http://[::1/", "https://-/", "https://a..b/", "https://a-.com/"])
def test_invalid_hosts_are_refused(url: str) -> None:
    with pytest.raises(errors.BadRequest):
        links.normalize_url(url)
