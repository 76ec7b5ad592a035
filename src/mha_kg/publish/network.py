"""A picture of the alliance: organisations, partners, people and initiatives as a network.

Drawn server-side as SVG so it works offline, needs no JavaScript and can be
tested by parsing it. The layout is a radial tree grown from the alliance
(breadth-first over the links, each node given a wedge of the circle in
proportion to the leaves below it), which is deterministic and keeps every
organisation next to the things that belong to it. The edges are read in
the standard vocabularies, so the picture shows whatever the data and the
OWL-RL closure say, links added by other graphs included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from ..kg import KnowledgeGraph

PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: (edge label, SPARQL pattern binding ?a and ?b)
EDGE_PATTERNS = (
    ("associated organisation", '?a ?p ?b . ?p rdfs:label "associated organisation"@en'),
    ("member of", "?a org:memberOf ?b"),
    ("part of", "?a org:subOrganizationOf ?b"),
    ("works for", "?a schema:worksFor ?b"),
    ("head of", "?a org:headOf ?b"),
    ("principal investigator", '?b ?p ?a . ?p rdfs:label "principal investigator"@en'),
    ("research initiative", '?b ?p ?a . ?p rdfs:label "research initiative"@en'),
)

GRAVITY = 0.15

KINDS = {  # kind: (legend text, fill colour)
    "alliance": ("the alliance", "#6a1b9a"),
    "organisation": ("organisation", "#1565c0"),
    "partner": ("university or NHS trust", "#2e7d32"),
    "person": ("person", "#ef6c00"),
    "initiative": ("research initiative", "#c62828"),
}


@dataclass
class Node:
    iri: str
    label: str
    kind: str
    x: float = 0.0
    y: float = 0.0


@dataclass
class Network:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (a, b, label)


def build(kg: KnowledgeGraph) -> Network:
    """Nodes and edges from the graph, laid out around the alliance."""
    rows = kg.select(PREFIXES + """
        SELECT ?x (SAMPLE(?l) AS ?label) (MAX(?k) AS ?kind) WHERE {
          { ?x a org:Organization BIND(1 AS ?k) }
          UNION { ?x a schema:CollegeOrUniversity BIND(2 AS ?k) }
          UNION { ?x a schema:MedicalOrganization BIND(2 AS ?k) }
          UNION { ?x a foaf:Person BIND(3 AS ?k) }
          UNION { ?x a schema:ResearchProject BIND(4 AS ?k) }
          OPTIONAL { ?x rdfs:label ?l }
        } GROUP BY ?x""")
    kinds = {1: "organisation", 2: "partner", 3: "person", 4: "initiative"}
    network = Network()
    for row in rows:
        iri = row["x"].value
        label = row["label"].value if row.get("label") is not None else iri.rsplit("/", 1)[-1]
        network.nodes[iri] = Node(iri, label, kinds[int(row["kind"].value)])
    seen = set()
    for name, pattern in EDGE_PATTERNS:
        for row in kg.select(PREFIXES + f"SELECT DISTINCT ?a ?b WHERE {{ {pattern} }}"):
            a, b = row["a"].value, row["b"].value
            if a in network.nodes and b in network.nodes and a != b and (a, b) not in seen:
                seen.add((a, b))
                network.edges.append((a, b, name))
    layout(network)
    return network


def layout(network: Network, size: float = 1000.0) -> None:
    """Radial tree layout from the best-connected alliance (deterministic)."""
    if not network.nodes:
        return
    neighbours: dict[str, list[str]] = {iri: [] for iri in network.nodes}
    for a, b, _ in network.edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    associated = [a for a, _, label in network.edges if label == "associated organisation"]
    root = max(sorted(network.nodes), key=lambda i: (associated.count(i), len(neighbours[i])))
    if associated:
        network.nodes[root].kind = "alliance"
    children, depth = _bfs_tree(root, neighbours, network)
    leaves: dict[str, int] = {}

    def count(iri: str) -> int:
        leaves[iri] = max(1, sum(count(c) for c in children[iri]))
        return leaves[iri]

    roots = [root] + [i for i in sorted(network.nodes) if i not in depth]
    for extra in roots[1:]:  # unconnected nodes: their own small trees on the outer ring
        depth[extra] = 1
        children.setdefault(extra, [])
    total = sum(count(r) for r in roots)
    rings = max(depth.values()) or 1
    centre, step = size / 2, (size / 2 - 120) / rings

    def place(iri: str, start: float, wedge: float) -> None:
        node = network.nodes[iri]
        angle = start + wedge / 2
        radius = depth[iri] * step
        node.x, node.y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        cursor = start
        for child in children[iri]:
            share = wedge * leaves[child] / max(1, sum(leaves[c] for c in children[iri]))
            place(child, cursor, share)
            cursor += share

    place(root, 0.0, 2 * math.pi * leaves[root] / total)
    cursor = 2 * math.pi * leaves[root] / total
    for extra in roots[1:]:
        share = 2 * math.pi * leaves[extra] / total
        place(extra, cursor, share)
        cursor += share
    network.nodes[root].x = network.nodes[root].y = centre
    relax(network, size)


def relax(network: Network, size: float, rounds: int = 300) -> None:
    """Fruchterman-Reingold from the radial start: spreads crowded wedges, still deterministic."""
    nodes = list(network.nodes.values())
    k = 0.6 * math.sqrt(size * size / max(1, len(nodes)))
    index = {n.iri: i for i, n in enumerate(nodes)}
    pairs = [(index[a], index[b]) for a, b, _ in network.edges]
    temperature = size / 10
    for _ in range(rounds):
        moves = [[0.0, 0.0] for _ in nodes]
        for i, a in enumerate(nodes):
            for j in range(i + 1, len(nodes)):
                b = nodes[j]
                dx, dy = a.x - b.x, a.y - b.y
                dist = max(math.hypot(dx, dy), 0.01)
                force = k * k / dist
                moves[i][0] += dx / dist * force
                moves[i][1] += dy / dist * force
                moves[j][0] -= dx / dist * force
                moves[j][1] -= dy / dist * force
        for i, j in pairs:
            a, b = nodes[i], nodes[j]
            dx, dy = a.x - b.x, a.y - b.y
            dist = max(math.hypot(dx, dy), 0.01)
            force = dist * dist / k
            moves[i][0] -= dx / dist * force
            moves[i][1] -= dy / dist * force
            moves[j][0] += dx / dist * force
            moves[j][1] += dy / dist * force
        for node, move in zip(nodes, moves, strict=True):
            dx, dy = node.x - size / 2, node.y - size / 2  # gravity keeps loose nodes near
            dist = max(math.hypot(dx, dy), 0.01)
            move[0] -= dx / dist * dist * dist / k * GRAVITY
            move[1] -= dy / dist * dist * dist / k * GRAVITY
            mx, my = move
            length = max(math.hypot(mx, my), 0.01)
            node.x += mx / length * min(length, temperature)
            node.y += my / length * min(length, temperature)
        temperature = max(temperature * 0.985, 1.0)
    _fit(nodes, size)


def _fit(nodes: list[Node], size: float, margin: float = 40) -> None:
    """Scale the drawing into the square [margin, size - margin]."""
    xs, ys = [n.x for n in nodes], [n.y for n in nodes]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    scale = (size - 2 * margin) / span
    for node in nodes:
        node.x = margin + (node.x - min(xs)) * scale
        node.y = margin + (node.y - min(ys)) * scale


def _bfs_tree(root: str, neighbours: dict[str, list[str]], network: Network):
    children: dict[str, list[str]] = {iri: [] for iri in network.nodes}
    depth = {root: 0}
    queue = [root]
    while queue:
        current = queue.pop(0)
        ordered = sorted(set(neighbours[current]),
                         key=lambda i: (network.nodes[i].kind, network.nodes[i].label))
        for other in ordered:
            if other not in depth:
                depth[other] = depth[current] + 1
                children[current].append(other)
                queue.append(other)
    return children, depth


def svg(network: Network, href: Callable[[str], str], size: int = 1000) -> str:
    """The network as a standalone SVG document; every node links to its page."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-260 -20 {size + 520} {size + 40}" '
           f'class="network" role="group" aria-labelledby="network-title" font-family="sans-serif">',
           '<title id="network-title">The Midlands Health Alliance as a network: organisations, '
           'partners, people and research initiatives</title>',
           '<g class="edges" stroke="#9e9e9e" stroke-width="1.2">']
    for a, b, label in network.edges:
        na, nb = network.nodes[a], network.nodes[b]
        out.append(f'<line class="edge" x1="{na.x:.1f}" y1="{na.y:.1f}" x2="{nb.x:.1f}" y2="{nb.y:.1f}">'
                   f'<title>{escape(na.label)} — {escape(label)} — {escape(nb.label)}</title></line>')
    out.append('</g><g class="nodes" font-size="13">')
    centre = size / 2
    for node in sorted(network.nodes.values(), key=lambda n: n.iri):
        _, colour = KINDS[node.kind]
        radius = 16 if node.kind == "alliance" else 8
        right = node.x >= centre
        dx = radius + 4 if right else -(radius + 4)
        text = node.label if len(node.label) <= 34 else node.label[:32] + "…"
        out.append(
            f'<a href={quoteattr(href(node.iri))} class="node node-{node.kind}">'
            f'<title>{escape(node.label)} ({escape(KINDS[node.kind][0])})</title>'
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{radius}" fill="{colour}"/>'
            f'<text x="{node.x + dx:.1f}" y="{node.y + 4:.1f}" text-anchor="{"start" if right else "end"}">'
            f'{escape(text)}</text></a>')
    out.append('</g><g class="legend" font-size="14">')
    for index, (text, colour) in enumerate(KINDS.values()):
        y = 10 + index * 22
        out.append(f'<circle cx="-240" cy="{y}" r="7" fill="{colour}"/>'
                   f'<text x="-228" y="{y + 5}">{escape(text)}</text>')
    out.append("</g></svg>")
    return "\n".join(out)
