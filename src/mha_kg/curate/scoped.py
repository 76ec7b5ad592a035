"""Validating a change: the shapes over the graph after it, before anything is stored."""

from __future__ import annotations

import pyoxigraph as ox

from ..kg import KnowledgeGraph


def check_change(kg: KnowledgeGraph, data: list[ox.Quad], added: list[ox.Quad],
                 removed: list[ox.Quad]) -> None:
    """Raise writes.Invalid (422) when the data after the change breaks a shape."""
    from . import writes

    writes._validate(kg, kg.inputs, data)
