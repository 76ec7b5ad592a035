"""The OWL-RL closure, without the reasoner's noise.

owlrl materialises everything OWL 2 RL entails, including triples nobody
asked for: every node typed `owl:Thing`, reflexive `owl:sameAs`,
`C rdfs:subClassOf C`, datatype axioms about `xsd:` terms. Those are dropped
here, so the `inferred` graph holds only statements a user would want to
query: the standard-vocabulary types, inverse and super-properties.
"""

from __future__ import annotations

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

#: Subjects in these namespaces are vocabulary plumbing, never user data.
_PLUMBING = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
              OWL.equivalentProperty}
_NOISE_OBJECTS = {OWL.Thing, OWL.Nothing, RDFS.Resource, OWL.NamedIndividual}


def closure(graph: Graph) -> Graph:
    """The triples OWL-RL entails from `graph` that it does not already state."""
    expanded = Graph()
    for triple in graph:
        expanded.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(expanded)
    inferred = Graph()
    for triple in expanded:
        if triple not in graph and not is_noise(triple):
            inferred.add(triple)
    return inferred


def is_noise(triple: tuple) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or isinstance(p, BNode):
        return True
    if isinstance(s, URIRef) and str(s).startswith(_PLUMBING):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if o in _NOISE_OBJECTS:
        return True
    if p in (OWL.sameAs, OWL.differentFrom):
        return True  # the data never asserts identity; anything here is an artefact
    return p == RDF.type and isinstance(o, URIRef) and str(o).startswith(_PLUMBING) and (
        o not in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    )
