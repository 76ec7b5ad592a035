"""The `mha-kg` command line: validate, query, export, stats, and its errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from mha_kg.cli.main import cli
from mha_kg.publish.exports import as_rdflib, export_graphs

from .conftest import ROOT

ORGS = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
SELECT ?org ?name WHERE { ?org a org:Organization ; schema:name ?name } ORDER BY ?name"""


def invoke(runner, state_dir, *args, **kwargs):
    return runner.invoke(cli, [*args, "--setting", "state_dir", str(state_dir)], **kwargs)


def test_validate_conforms_on_shipped_data(runner, state_dir):
    result = invoke(runner, state_dir, "validate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Conforms")


def test_validate_json_is_machine_readable(runner, state_dir):
    result = invoke(runner, state_dir, "validate", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"conforms": True, "results": []}


def test_query_argument_prints_a_table(runner, state_dir):
    result = invoke(runner, state_dir, "query", ORGS)
    assert result.exit_code == 0, result.output
    assert "Health Data Research UK Midlands" in result.output
    assert result.output.rstrip().endswith("rows")


def test_query_from_file_and_stdin_agree(runner, state_dir, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(ORGS)
    from_file = invoke(runner, state_dir, "query", "--file", str(path), "--format", "csv")
    from_stdin = invoke(runner, state_dir, "query", "--format", "csv", input=ORGS)
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert from_file.output == from_stdin.output
    rows = list(csv.DictReader(io.StringIO(from_file.output)))
    assert {"Midlands Engine", "University of Warwick"} <= {r["name"] for r in rows}


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_query_result_formats_parse(runner, state_dir, fmt):
    result = invoke(runner, state_dir, "query", ORGS, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "json":
        bindings = json.loads(result.output)["results"]["bindings"]
        names = [b["name"]["value"] for b in bindings]
    elif fmt == "xml":
        ns = {"s": "http://www.w3.org/2005/sparql-results#"}
        root = ET.fromstring(result.output)
        names = [b.find("s:literal", ns).text for b in root.iterfind(".//s:binding[@name='name']", ns)]
    else:
        lines = result.output.splitlines()
        assert lines[0] == "?org\t?name"
        names = [line.split("\t")[1].strip('"') for line in lines[1:]]
    assert "University of Leicester" in names
    assert names == sorted(names)


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("jsonld", "json-ld"),
                                        ("ntriples", "nt"), ("rdfxml", "xml")])
def test_construct_in_graph_formats(runner, state_dir, fmt, parser):
    query = ("PREFIX schema: <https://schema.org/> CONSTRUCT { ?s schema:name ?n } "
             "WHERE { ?s schema:name ?n }")
    result = invoke(runner, state_dir, "query", query, "--format", fmt)
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.output, format=parser)
    assert len(graph) > 20


def test_describe_as_turtle(runner, state_dir):
    iri = "https://w3id.org/mha-kg/id/organisation/hdr-uk-midlands"
    result = invoke(runner, state_dir, "query", f"DESCRIBE <{iri}>")
    assert result.exit_code == 0
    graph = Graph().parse(data=result.output, format="turtle")
    assert any(str(s) == iri for s in graph.subjects())


def test_query_syntax_error_is_one_line_and_exit_1(runner, state_dir):
    result = invoke(runner, state_dir, "query", "SELECT * WHERE {")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "syntax error" in result.stderr and "1:" in result.stderr


def test_select_cannot_be_written_as_turtle(runner, state_dir):
    result = invoke(runner, state_dir, "query", ORGS, "--format", "turtle")
    assert result.exit_code == 1
    assert "cannot carry" in result.stderr


@pytest.mark.parametrize("fmt,parser", [
    ("turtle", "turtle"), ("jsonld", "json-ld"), ("ntriples", "nt"), ("rdfxml", "xml"),
    ("trig", "trig"), ("nquads", "nquads"),
])
@pytest.mark.parametrize("inferred", [False, True])
def test_export_round_trips(runner, state_dir, kg, fmt, parser, inferred):
    args = ["export", "--format", fmt] + (["--inferred"] if inferred else [])
    result = invoke(runner, state_dir, *args)
    assert result.exit_code == 0, result.stderr
    expected = as_rdflib(kg.quads(export_graphs(kg, inferred)))
    if fmt in ("trig", "nquads"):
        parsed = Dataset()
        parsed.parse(data=result.stdout_bytes, format=parser)
        names = {str(g.identifier) for g in expected.graphs() if len(g)}
        assert names == {str(g.identifier) for g in parsed.graphs() if len(g)}
        for name in names:
            assert isomorphic(expected.graph(name), parsed.graph(name)), name
    else:
        union = Graph()
        for s, p, o, _ in expected.quads((None, None, None, None)):
            union.add((s, p, o))
        assert isomorphic(Graph().parse(data=result.stdout_bytes, format=parser), union)


def test_export_turtle_is_stable_and_prefixed(runner, state_dir):
    first = invoke(runner, state_dir, "export").output
    second = invoke(runner, state_dir, "export").output
    assert first == second
    assert "@prefix schema: <https://schema.org/> ." in first
    assert "@prefix org: <http://www.w3.org/ns/org#> ." in first


def test_stats_json(runner, state_dir, kg):
    result = invoke(runner, state_dir, "stats", "--json")
    assert result.exit_code == 0
    numbers = json.loads(result.output)
    assert numbers["triples"] == sum(numbers["graphs"].values())
    assert kg.graph("inferred") in numbers["graphs"]
    assert numbers["entities_by_type"]["http://xmlns.com/foaf/0.1/Person"] == 6


def test_unknown_setting_is_a_one_line_error(runner, state_dir):
    result = invoke(runner, state_dir, "stats", "--setting", "no_such_thing", "1")
    assert result.exit_code == 1
    assert "unknown setting 'no_such_thing'" in result.stderr


@pytest.fixture()
def project_copy(tmp_path):
    """A copy of the dataset files, free to break."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_broken_turtle_names_file_and_line(runner, project_copy):
    broken = project_copy / "data" / "midlands-engine.ttl"
    lines = broken.read_text().splitlines()
    lines.insert(12, "this is not turtle .")
    broken.write_text("\n".join(lines))
    result = runner.invoke(cli, ["stats", "--setting", "project_dir", str(project_copy),
                                 "--setting", "state_dir", str(project_copy / ".state")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "midlands-engine.ttl:13: bad syntax" in result.stderr
    assert result.stderr.count("\n") == 1


def test_python_dash_m_and_version():
    result = subprocess.run([sys.executable, "-m", "mha_kg", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.startswith("mha-kg, version ")


def test_framed_jsonld_is_one_tree_per_entity(runner, state_dir, kg):
    result = invoke(runner, state_dir, "export", "--format", "jsonld", "--framed", "--inferred")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    entities = {r["s"].value for r in kg.select(
        "SELECT DISTINCT ?s WHERE { { ?s a <http://www.w3.org/ns/org#Organization> } UNION "
        "{ ?s a <http://xmlns.com/foaf/0.1/Person> } UNION { ?s a <https://schema.org/ResearchProject> } }")}
    framed = Graph().parse(data=result.stdout, format="json-ld")
    tops = {str(s) for s in framed.subjects() if str(s) in entities}
    assert len(doc["@graph"]) == len(entities) == len(tops)
    # the objectives of MI Health are embedded in its object, not left as references
    mi = next(n for n in doc["@graph"] if n["@id"].endswith("midlands-innovation-health"))
    assert "Midlands NHS Trusts" in json.dumps(mi)
    # nothing is invented on the way: every framed statement is in the dataset
    full = Graph()
    for q in kg.quads():
        full.parse(data=f"{q.subject} {q.predicate} {q.object} .", format="nt")
    assert set(framed) <= set(full)


def test_framed_needs_jsonld(runner, state_dir):
    result = invoke(runner, state_dir, "export", "--format", "turtle", "--framed")
    assert result.exit_code == 1 and "--framed goes with --format jsonld" in result.stderr
