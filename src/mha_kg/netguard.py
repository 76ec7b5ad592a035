"""No request leaves the server for an address nobody allowed.

Parsers fetch things by default: rdflib's JSON-LD parser loads a remote
`@context`, an RDF/XML document can name external entities, and a future
library may do worse. Instead of trusting each one, the serving process
installs an audit hook (PEP 578) that refuses every outbound connection and
name lookup except to the endpoints the settings name: the
`service_allowlist` and a remote `store`. Python's socket module raises the
audit events before it touches the network, so a refused connection sends
not one packet. SERVICE calls made by Oxigraph inside query workers do not go
through Python; `sparql.check` enforces the allowlist on those before a
worker sees the query.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

_state = threading.Lock()
_allowed_hosts: set[str] = set()
_allowed_addresses: set[tuple[str, int]] = set()
_installed = False


#: Code that parses or validates RDF: it has no business on the network, in any process
#: (rdflib fetches JSON-LD contexts and owl:imports, pyshacl follows imports).
_PARSERS = ("rdflib.", "pyshacl", "owlrl", "xml.sax", "xml.dom", "pyld", "mha_kg.build.dataset")
#: rdflib's SPARQL client is a client, not a parser: a program may point it anywhere.
_CLIENTS = ("rdflib.plugins.stores.sparql",)
_parsers_guarded = False


class NetworkRefused(PermissionError):
    """An outbound connection to an address not on any allowlist."""


def endpoints(settings: dict) -> list[str]:
    """Every URL the settings allow the server to reach."""
    urls = list(settings.get("service_allowlist") or [])
    urls += [settings.get(name) or "" for name in ("store", "store_update", "store_gsp")]
    return [url for url in urls if url]


def install(urls: Iterable[str]) -> None:
    """Allow only these endpoints from now on, in this process (idempotent, additive)."""
    global _installed
    for url in urls:
        parts = urlsplit(url)
        if not parts.hostname:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        _allowed_hosts.add(parts.hostname.lower())
        try:
            for *_, address in socket.getaddrinfo(parts.hostname, port):
                _allowed_addresses.add((address[0], port))
        except OSError:
            pass  # unresolvable now: lookups of the name stay allowed, connections fail
    with _state:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def guard_parsers() -> None:
    """In this process, refuse any connection or lookup made from inside an RDF parser."""
    global _parsers_guarded
    with _state:
        if not _parsers_guarded:
            sys.addaudithook(_parser_hook)
            _parsers_guarded = True


def _parser_hook(event: str, args: tuple) -> None:
    if event not in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        return
    frame = sys._getframe(1)
    inside_parser = False
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(_CLIENTS):
            return
        if module.startswith(_PARSERS):
            inside_parser = True
        frame = frame.f_back
    if inside_parser:
        raise NetworkRefused(f"{event} refused: parsing RDF never reaches the network ({args[0]!s:.80})")


def _hook(event: str, args: tuple) -> None:
    if not _installed:
        return
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and (address[0], address[1]) \
                not in _allowed_addresses:
            raise NetworkRefused(f"outbound connection to {address[0]}:{address[1]} refused: "
                                 "not on the service_allowlist setting")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host and not _is_ip_literal(str(host)) and str(host).lower() not in _allowed_hosts:
            raise NetworkRefused(f"name lookup of {host} refused: not on the service_allowlist setting")


def _is_ip_literal(host: str) -> bool:
    """An address, not a name: looking it up asks no resolver anything."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
