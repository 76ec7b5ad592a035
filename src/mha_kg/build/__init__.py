"""Build: files to named graphs, the OWL-RL closure, SHACL, the persisted store.

May import the shared top-level modules only (settings, errors, namespaces,
netguard); every later stage builds on it.
"""
