"""VoID and DCAT at /.well-known/void: counts, licence, examples, endpoint and every dump."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from mha_kg.publish import void


def test_void_describes_the_dataset(client, kg):
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data.decode(), format="turtle")
    dataset = URIRef(void.dataset_iri(kg))
    assert (dataset, RDF.type, VOID.Dataset) in graph and (dataset, RDF.type, DCAT.Dataset) in graph
    assert int(graph.value(dataset, VOID.triples)) == kg.stats()["triples"]
    license_iri = kg.select(f"SELECT ?l WHERE {{ <{kg.ontology}> <{DCTERMS.license}> ?l }}")[0]["l"].value
    assert graph.value(dataset, DCTERMS.license) == URIRef(license_iri)
    assert str(graph.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")
    dumps = {str(o).rsplit("/", 1)[-1] for o in graph.objects(dataset, VOID.dataDump)}
    assert dumps == {f"mha-kg.{f.suffix}" for f in void.dump_formats()}
    examples = list(graph.objects(dataset, VOID.exampleResource))
    assert examples
    for example in examples:
        path = str(example).removeprefix(kg.base)
        assert client.get(path).status_code == 303
    partitions = {graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
                  for p in graph.objects(dataset, VOID.classPartition)}
    assert partitions == {URIRef(c): n for c, n in kg.stats()["entities_by_type"].items()}


def test_every_dump_listed_in_void_downloads(client):
    graph = Graph().parse(data=client.get("/.well-known/void.ttl").data.decode(), format="turtle")
    for url in graph.objects(None, DCAT.downloadURL):
        path = "/" + str(url).split("/", 3)[3]
        assert client.get(path).status_code == 200


def test_linksets_count_same_as_links_per_target(kg):
    sets = void.linksets(kg)
    rows = kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?s <https://schema.org/sameAs> ?o "
                     f"FILTER(isIRI(?o) && !STRSTARTS(STR(?o), \"{kg.base}/\")) }}")
    assert sum(s["triples"] for s in sets) == int(rows[0]["n"].value)
