"""Dumps on the web in every format: they parse back and equal `mha-kg export`'s output."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from mha_kg.publish import exports, void
from mha_kg.query import formats

PARSERS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml",
           "trig": "trig", "nquads": "nquads"}


def quads(data: Dataset) -> set[tuple]:
    """Quads with their graph names (the data mints no blank nodes, so sets compare exactly)."""
    return {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in data.quads()}


@pytest.mark.parametrize("fmt", void.dump_formats(), ids=lambda f: f.name)
def test_dump_parses_back_and_matches_the_cli_export(client, kg, fmt):
    response = client.get(f"/dumps/mha-kg.{fmt.suffix}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(fmt.media_type)
    assert f'filename="mha-kg.{fmt.suffix}"' in response.headers["Content-Disposition"]
    expected_bytes = exports.export(kg, fmt)
    if fmt.kind == "dataset":
        served, expected = Dataset(), Dataset()
        served.parse(data=response.data.decode(), format=PARSERS[fmt.name])
        expected.parse(data=expected_bytes.decode(), format=PARSERS[fmt.name])
        assert quads(served) == quads(expected)
        assert len(quads(served)) > 100
    else:
        served = Graph().parse(data=response.data.decode(), format=PARSERS[fmt.name])
        expected = Graph().parse(data=expected_bytes.decode(), format=PARSERS[fmt.name])
        assert len(served) > 100
        assert isomorphic(served, expected)


def test_inferred_dump_adds_the_closure(client):
    plain = Graph().parse(data=client.get("/dumps/mha-kg.nt").data.decode(), format="nt")
    closed = Graph().parse(data=client.get("/dumps/mha-kg-inferred.nt").data.decode(), format="nt")
    assert len(closed) > len(plain)


def test_published_context_is_the_one_the_jsonld_uses(client):
    context = client.get("/context.jsonld").get_json()
    assert context["@context"]["schema"] == "https://schema.org/"
    dump = json.loads(client.get("/dumps/mha-kg.jsonld").data)
    assert dump["@context"] == context["@context"]
    entity = json.loads(client.get("/data/organisation/hdr-uk-midlands.jsonld").data)
    assert entity["@context"] == context["@context"]


def test_unknown_dump_is_404(client):
    assert client.get("/dumps/mha-kg.csv").status_code == 404
    assert client.get("/dumps/other.ttl").status_code == 404
    assert formats.by_name("ttl").suffix == "ttl"


def test_framed_dump_is_the_framed_export(client, kg):
    from mha_kg.publish.exports import framed_jsonld

    response = client.get("/dumps/mha-kg-framed.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.data == framed_jsonld(kg, inferred=True)
    assert b"/dumps/mha-kg-framed.jsonld" in client.get("/dumps/").data


def test_every_dump_has_the_same_bytes_in_any_process(tmp_path):
    """rdflib's JSON-LD writer follows its sets' order, which Python's hash seed changes from
    one process to the next; the dumps (and so their DCAT and release checksums) must not."""
    import subprocess
    import sys

    def dump(seed: str, fmt: str) -> bytes:
        return subprocess.run(
            [sys.executable, "-m", "mha_kg", "export", "--format", fmt,
             "--setting", "state_dir", str(tmp_path / "state")],
            capture_output=True, check=True, timeout=300,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout

    for fmt in ("jsonld", "turtle", "nquads"):
        first, second = dump("1", fmt), dump("2", fmt)
        assert len(first) > 1000 and first == second, fmt
