"""Build: files to named graphs, their OWL-RL closure, SHACL validation and the persisted store.

The first stage. It may import only the shared top-level modules (settings,
errors, namespaces, netguard); nothing here knows how the graph is queried or shown.
"""
