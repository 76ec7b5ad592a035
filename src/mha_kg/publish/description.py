"""Self-descriptions of the service: the SPARQL Service Description.

Built as rdflib graphs so the web layer can answer them in any RDF format.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..kg import KnowledgeGraph
from ..namespaces import SD
from ..query import formats

_FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "ntriples": "http://www.w3.org/ns/formats/N-Triples",
    "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
}


def service_description(kg: KnowledgeGraph, endpoint: str) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in formats.FORMATS:
        if fmt.name in _FORMAT_IRIS:
            graph.add((service, SD.resultFormat, URIRef(_FORMAT_IRIS[fmt.name])))
    default_dataset = BNode()
    graph.add((service, SD.defaultDataset, default_dataset))
    graph.add((default_dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    graph.add((default_dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    for name in kg.graph_names():
        named = BNode()
        graph.add((default_dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    graph.add((service, URIRef("http://purl.org/dc/terms/title"),
               Literal("Midlands Health Alliance knowledge graph SPARQL endpoint")))
    return graph
