"""Build: files -> named graphs -> OWL-RL closure -> SHACL -> the persisted store.

May import only the shared top-level modules: every later stage builds on it.
"""
