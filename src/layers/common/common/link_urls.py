"""What a short link may point to: one http(s) URL, checked and stored in plain ASCII, never this API.

A URL is `http` or `https`, has a host, at most 2048 characters, no `user:pass@`, and no spaces or
control characters. Its host must be one a browser would go to, and is stored in one spelling:

- a domain name, in lower case, non-ASCII names in their IDNA form (`xn--...`, so look-alike
  letters show); an `xn--` label must be valid punycode;
- an IPv4 address: browsers read `127.1`, `0x7f000001` and `2130706433` as 127.0.0.1, so these
  spellings (`inet_aton`'s) are accepted and stored as the dotted quad; a host that ends in a
  number but is no IPv4 address (`999.999.999.999`) is refused, as browsers refuse it;
- an IPv6 address in brackets, compressed (`[::1]`); nothing may follow the `]` but a port.

A port, if given, is 1 to 65535.

Never this API, or every redirect through the link would come back to it. The target's host and
port are compared with each address the service answers on (the request's own base URL and
`SHORT_URL_BASE`), both in canonical form: IP addresses as addresses (an IPv4-mapped IPv6 address
as its IPv4 address), names in lower case without a trailing dot. Every loopback spelling is one
host: `localhost` and `*.localhost`, 127.0.0.0/8, `::1`, and `0.0.0.0` and `::` (which connect to
this machine). A service address without a port stands for both default ports, 80 and 443: an
http link to an https service is a loop wherever http is redirected to https. Names are not
resolved (the service never fetches a target), so a DNS name that points at this API is not
recognised. Loopback and private hosts are fine otherwise: local development runs there.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from common import errors

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# host[:port]; the host is a [bracketed] literal or has no brackets and no colon at all.
_NETLOC = re.compile(r"(?P<host>\[[^\[\]]*\]|[^\[\]:]*)(?::(?P<port>[0-9]*))?")
_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
# A last label that makes a browser parse the whole host as IPv4 (WHATWG URL: "ends in a number").
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")
# Characters a browser would percent-encode itself; encoding them keeps Location headers and
# stored URLs plain ASCII with nothing that could break out of a header or an HTML attribute.
_UNSAFE_URL_CHARS = frozenset('"<>\\^`{|}')

type Host = str | ipaddress.IPv4Address | ipaddress.IPv6Address


def normalize_url(value: object, *, service_urls: Iterable[str] = ()) -> str:
    """The URL a link may point to, in its stored spelling, or `BadRequest` saying what is wrong.

    `service_urls` are the base URLs this API answers on (see `service_urls`): a link to them would loop.
    """
    if not isinstance(value, str):
        raise errors.BadRequest("url must be a string")
    url = value.strip()
    if not url:
        raise errors.BadRequest("url must not be empty")
    if len(url) > MAX_URL_LENGTH:
        raise errors.BadRequest(f"url must be at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
        raise errors.BadRequest("url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed [IPv6] literal, or an unbalanced bracket
        raise errors.BadRequest("url has an invalid host") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise errors.BadRequest("url must start with http:// or https://")
    if "@" in parts.netloc:
        raise errors.BadRequest("url must not contain a user name or password")
    host, port = parse_netloc(parts.netloc)
    if any(_same_address(host, port or DEFAULT_PORTS[scheme], own) for own in _addresses(service_urls)):
        raise errors.BadRequest("url must not point at this service")
    netloc = f"[{host}]" if isinstance(host, ipaddress.IPv6Address) else str(host)
    if port is not None:
        netloc = f"{netloc}:{port}"
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    normalized = f"{scheme}://{netloc}{''.join(_encode_url_char(ch) for ch in rest)}"
    if len(normalized) > MAX_URL_LENGTH:
        raise errors.BadRequest(f"url must be at most {MAX_URL_LENGTH} characters once encoded")
    return normalized


def parse_netloc(netloc: str) -> tuple[Host, int | None]:
    """`host[:port]` as (the host in its stored spelling, the port or None), or BadRequest."""
    match = _NETLOC.fullmatch(netloc)
    if match is None:
        raise errors.BadRequest("url has an invalid host")
    port_text = match["port"]
    port = int(port_text) if port_text and len(port_text) <= 5 else None
    if port_text and (port is None or not 1 <= port <= 65535):
        raise errors.BadRequest("url has an invalid port")
    return canonical_host(match["host"]), port


def canonical_host(text: str) -> Host:
    """A URL's host in the one spelling it is stored and compared in, or BadRequest."""
    if not text:
        raise errors.BadRequest("url must include a host")
    if text.startswith("["):
        try:
            address = ipaddress.IPv6Address(text[1:-1])
        except ValueError:  # includes IPvFuture literals such as [v1.x]
            raise errors.BadRequest("url has an invalid host") from None
        if address.scope_id:  # [fe80::1%25eth0]: browsers do not take zone ids
            raise errors.BadRequest("url has an invalid host")
        return address
    try:
        host = text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise errors.BadRequest("url has an invalid host") from None
    name = host.removesuffix(".")
    if _NUMBER.fullmatch(name.rsplit(".", 1)[-1]):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            raise errors.BadRequest("url has an invalid host") from None
    if not _DOMAIN.fullmatch(name) or not all(_valid_label(label) for label in name.split(".")):
        raise errors.BadRequest("url has an invalid host")
    return host


def _valid_label(label: str) -> bool:
    """An `xn--` label must decode as punycode and encode back to itself (IDNA's round trip)."""
    if not label.startswith("xn--"):
        return True
    try:
        label.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True


def service_urls(request_base_url: str) -> list[str]:
    """The base URLs this service answers on: the request's own and the `ShortUrlBase` parameter's."""
    return [base for base in (request_base_url, os.environ.get("SHORT_URL_BASE", "")) if base]


def _addresses(base_urls: Iterable[str]) -> Iterable[tuple[Host, frozenset[int]]]:
    """(host, the ports it is served on) of each base URL that has a valid one."""
    for base in base_urls:
        try:
            host, port = parse_netloc(urlsplit(base).netloc)
        except (errors.BadRequest, ValueError):
            continue  # an odd Host header names nothing a link could point to
        yield host, frozenset({port} if port is not None else DEFAULT_PORTS.values())


def _same_address(host: Host, port: int, own: tuple[Host, frozenset[int]]) -> bool:
    own_host, own_ports = own
    if port not in own_ports:
        return False
    mine, theirs = _identity(host), _identity(own_host)
    return mine == theirs or (_is_loopback(mine) and _is_loopback(theirs))


def _identity(host: Host) -> Host:
    if isinstance(host, ipaddress.IPv6Address) and host.ipv4_mapped is not None:
        return host.ipv4_mapped
    return host.removesuffix(".") if isinstance(host, str) else host


def _is_loopback(host: Host) -> bool:
    if isinstance(host, str):
        return host == "localhost" or host.endswith(".localhost")
    return host.is_loopback or host.is_unspecified


def _encode_url_char(ch: str) -> str:
    return quote(ch, safe="") if ord(ch) > 126 or ch in _UNSAFE_URL_CHARS else ch
