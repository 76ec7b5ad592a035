"""Curate: validated changes to the graph, their history, writeback to the Turtle files, releases.

Wraps `kg.KnowledgeGraph` (the graph itself knows nothing of writes); may
import every stage before it, never the web or the command line.
"""
