"""A small run of the benchmark (`make bench`) end to end; no timing is asserted."""

from __future__ import annotations

import json

import rdflib
from benchmarks import generate, report, run


def test_generator_is_deterministic_and_scales(tmp_path):
    one = generate.Generator(1, seed=7).run()
    assert one == generate.Generator(1, seed=7).run()
    assert one != generate.Generator(1, seed=8).run()
    small = len(rdflib.Graph().parse(data=one, format="turtle"))
    double = len(rdflib.Graph().parse(data=generate.Generator(2, seed=7).run(), format="turtle"))
    assert 700 < small < 1500
    assert 1.8 < double / small < 2.2


def test_benchmark_smoke_run_produces_the_table_and_plot(tmp_path):
    results = run.main(["--scales", "0.2", "--servers", "mha-kg,oxigraph,floor", "--samples", "3",
                        "--budget", "0.5", "--seconds", "1", "--concurrency", "2", "--timeout", "20",
                        "--cold-pairs", "2", "--rounds", "3",
                        "--out", str(tmp_path / "results"), "--docs", str(tmp_path / "docs")])
    saved = json.loads(next((tmp_path / "results").glob("*.json")).read_text())
    assert saved["scales"][0]["triples"] == results["scales"][0]["triples"] > 1000
    queries = run.load_queries()
    assert len(queries) >= 10
    for name in ("mha-kg", "oxigraph", "floor"):  # the floor: Flask over the same store, no checks
        server = saved["scales"][0]["servers"][name]
        assert set(server["queries"]) == set(queries)
        assert all(q["errors"] == 0 and q["samples"] > 0 for q in server["queries"].values()), name
        assert server["throughput"]["requests"] > 0 and server["throughput"]["errors"] == 0
        assert len(server["throughput"]["turns"]) == 3 and sum(server["throughput"]["turns"]) == \
            server["throughput"]["requests"]
        assert server["peak_rss_mb"] > 0
    pairs = saved["scales"][0]["cold_pairs"]  # cold starts side by side, in turns
    assert len(pairs) == 2 and all(p["mha_kg_s"] > 0 and p["oxigraph_s"] > 0 for p in pairs)
    page = (tmp_path / "docs" / "performance.md").read_text()
    assert report.START in page and "| 12-ask |" in page and "mha-kg ÷ Oxigraph" in page
    assert "the median of 2 pairs started one after the other" in page
    assert "mha-kg ÷ floor" in page
    assert "Throughput against the floor, turn by turn (3 turns" in page
    assert (tmp_path / "docs" / "img" / "benchmark.png").stat().st_size > 1000
