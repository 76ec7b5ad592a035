"""Find: the name index, search, reconciliation and data extension.

Reads through `kg.KnowledgeGraph`; may import `build` and `query`, never `publish`, `curate` or the web.
"""
