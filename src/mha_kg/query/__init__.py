"""Query: SPARQL checked, limited and run (embedded workers or a remote engine), and the answer formats.

May import the shared top-level modules and `build`; never the knowledge-graph
facade or anything that shows or changes the graph.
"""
