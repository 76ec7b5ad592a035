"""The reduced load test: 8 concurrent clients for 5 s mixing the example queries, zero errors.

The full form (60 s) is `python -m benchmarks.load`, run by `make bench`.
"""

from __future__ import annotations

from benchmarks.load import example_queries, run_load


def test_eight_clients_mixing_the_example_queries_see_no_errors(live_server):
    assert len(example_queries()) >= 5
    result = run_load(live_server, clients=8, seconds=5)
    print(result)  # p50/p99 in the -s output
    assert result["errors"] == 0, result["first_errors"]
    assert result["requests"] >= 8
