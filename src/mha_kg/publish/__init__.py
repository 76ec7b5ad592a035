"""Publish: what the graph says, for people and machines: entity descriptions, the
network picture, ontology docs, VoID/DCAT and the dumps.

Reads through `kg.KnowledgeGraph`; may import `build` and `query`, never `find`, `curate` or the web.
"""
