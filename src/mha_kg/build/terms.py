"""Terms between rdflib and Oxigraph.

rdflib parses, serialises and feeds owlrl and pyshacl; Oxigraph stores and
queries. The two meet here, and only here: `xsd:string` is implicit in rdflib
and explicit in Oxigraph, and blank nodes keep their labels both ways.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from ..errors import KGError


def to_rdflib(triple: ox.Triple) -> tuple:
    """An Oxigraph triple as an rdflib (s, p, o) tuple."""
    return tuple(term_to_rdflib(t) for t in (triple.subject, triple.predicate, triple.object))


def term_to_rdflib(term):
    if isinstance(term, ox.Triple):  # rdflib has no RDF 1.2 triple terms: a clear 4xx, not a crash
        raise KGError("RDF 1.2 triple terms are not supported here (rdflib cannot hold them)", 406)
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


def converter():
    """`term_to_rdflib` with a memory: the same IRIs recur on every other triple."""
    seen: dict = {}

    def convert(term):
        found = seen.get(term)
        if found is None:
            found = seen[term] = term_to_rdflib(term)
        return found
    return convert


def to_oxigraph(triple: tuple) -> ox.Triple:
    """An rdflib (s, p, o) tuple as an Oxigraph triple."""
    return ox.Triple(*(term_to_oxigraph(t) for t in triple))


def term_to_oxigraph(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
