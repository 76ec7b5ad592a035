"""Linking the graph to the open-data world: curated identifiers, ROR reconciliation,
enrichment from linked ROR records and dated memberships.

Each module turns reference files into a Turtle file under `data/<graph>/`,
which `dataset.project_inputs` loads into the named graph of that name. The
output is deterministic (sorted, dated from the previous run), so re-running a
command on the same inputs rewrites the same bytes.
"""
