"""What a link may point to, and how it is stored: the pure rules in common.link_urls, without AWS."""

from __future__ import annotations

import pytest

from common import errors, link_urls

LOCAL = ["http://127.0.0.1:3000"]  # `make run`'s address
API = ["https://abcdef1234.execute-api.us-east-1.amazonaws.com"]


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("https://example.com./", "https://example.com./"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("https://example.com/<tag>", "https://example.com/%3Ctag%3E"),
        ("https://bücher.example/straße?q=ü", "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC"),
        ("https://\u0430pple.com/", "https://xn--pple-43d.com/"),  # a Cyrillic look-alike shows as punycode
        ("https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/"),
        ("https://example.com:/x", "https://example.com/x"),  # an empty port is the default one
        ("https://example.com:08/x", "https://example.com:8/x"),
        # IPv4 as browsers read it, stored as the dotted quad
        ("http://127.1/", "http://127.0.0.1/"),
        ("http://0x7f000001/", "http://127.0.0.1/"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("http://10.0.0.1./", "http://10.0.0.1/"),
        ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "http://127.0.0.1/"),  # full-width digits: IDNA maps them
        ("http://[::FFFF:7f00:1]/", "http://[::ffff:127.0.0.1]/"),
    ],
)
def test_accepted_urls_are_stored_in_one_ascii_spelling(url: str, stored: str) -> None:
    assert link_urls.normalize_url(url) == stored


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (42, "url must be a string"),
        ("", "url must not be empty"),
        ("ftp://example.com/file", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("data:text/html,<script>alert(1)</script>", "http:// or https://"),
        ("example.com/no-scheme", "http:// or https://"),
        ("https://", "must include a host"),
        ("https:///path-only", "must include a host"),
        ("https://example.com/" + "a" * 2029, "at most 2048 characters"),
        ("https://example.com/" + "é" * 1000, "at most 2048 characters once encoded"),
        ("https://user:secret@example.com/", "user name or password"),
        ("https://user@example.com/", "user name or password"),
        ("https://example.com/\r\nSet-Cookie: a=b", "control characters"),
        ("https://example.com/\x00", "control characters"),
        ("https://exa mple.com/", "control characters"),
        ("https://example.com/\u202egnp.exe", "control characters"),
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:0/", "invalid port"),
        ("https://example.com:" + "9" * 100 + "/", "invalid port"),
        ("https://exa<mple.com/", "invalid host"),
    ],
)
def test_bad_urls_are_refused_saying_why(url: object, message: str) -> None:
    with pytest.raises(errors.BadRequest, match=message):
        link_urls.normalize_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]x/",  # was stored as http://[::1]/
        "http://[::1]:80x/",
        "http://[v1.x]/",  # an IPvFuture literal: was stored as http://v1.x/
        "http://[::zz]/",
        "http://[::1/",
        "http://[fe80::1%25eth0]/",  # zone ids: browsers refuse them
        "http://999.999.999.999/",  # ends in a number, so browsers parse IPv4: and refuse it
        "http://1.2.3.4.5/",
        "http://example.123/",
        "http://08.1.1.1/",  # a leading 0 is octal
        "http://4294967296/",
        "https://xn--zz.com/",  # not valid punycode
        "https://xn--.com/",
        "https://-/",
        "https://a..b/",
        "https://a-.com/",
    ],
)
def test_invalid_hosts_are_refused_not_rewritten(url: str) -> None:
    with pytest.raises(errors.BadRequest, match="url has an invalid host"):
        link_urls.normalize_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/abc",
        "HTTP://127.0.0.1:3000",
        "http://localhost:3000/x",
        "http://LOCALHOST.:3000/x",
        "http://app.localhost:3000/x",
        "http://127.1:3000/x",
        "http://0x7f000001:3000/x",
        "http://2130706433:3000/x",
        "http://0177.0.0.1:3000/x",
        "http://127.0.0.2:3000/x",  # all of 127.0.0.0/8 is this machine
        "http://[::1]:3000/x",
        "http://[::ffff:127.0.0.1]:3000/x",
        "http://0.0.0.0:3000/x",  # connects to this machine
        "http://[::]:3000/x",
    ],
)
def test_this_service_is_refused_under_any_spelling_of_its_address(url: str) -> None:
    with pytest.raises(errors.BadRequest, match="must not point at this service"):
        link_urls.normalize_url(url, service_urls=LOCAL)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",  # another port: another service
        "http://localhost:8000/",
        "http://10.0.0.1:3000/",  # a private address is another machine
        "http://localhost.example.com:3000/",
    ],
)
def test_other_services_on_this_machine_or_network_are_fine(url: str) -> None:
    assert link_urls.normalize_url(url, service_urls=LOCAL)


@pytest.mark.parametrize(
    "url",
    [
        "https://abcdef1234.execute-api.us-east-1.amazonaws.com/abc1234",
        "https://ABCDEF1234.execute-api.us-east-1.amazonaws.com:443/x",
        "https://abcdef1234.execute-api.us-east-1.amazonaws.com./x",
        "http://abcdef1234.execute-api.us-east-1.amazonaws.com/x",  # http is redirected to https
    ],
)
def test_a_service_url_without_a_port_covers_both_default_ports(url: str) -> None:
    with pytest.raises(errors.BadRequest, match="must not point at this service"):
        link_urls.normalize_url(url, service_urls=API)


def test_another_port_of_the_apis_host_is_not_the_api() -> None:
    url = "https://abcdef1234.execute-api.us-east-1.amazonaws.com:8443/x"

    assert link_urls.normalize_url(url, service_urls=API) == url


def test_the_short_url_base_is_this_service_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORT_URL_BASE", "https://sho.rt")

    urls = link_urls.service_urls(API[0])

    assert urls == [API[0], "https://sho.rt"]
    with pytest.raises(errors.BadRequest, match="must not point at this service"):
        link_urls.normalize_url("https://SHO.RT/abc", service_urls=urls)


def test_a_service_address_that_is_no_valid_host_is_ignored() -> None:
    assert link_urls.normalize_url("https://example.com/", service_urls=["http://[garbage", "http://a b"]) == (
        "https://example.com/"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:3000/x", "https://xn--bcher-kva.example/", "http://[::1]/"])
def test_a_stored_url_normalizes_to_itself(url: str) -> None:
    assert link_urls.normalize_url(link_urls.normalize_url(url)) == link_urls.normalize_url(url)
