"""The benchmark's results as a markdown table (with ratios and the targets) and a PNG plot."""

from __future__ import annotations

import re
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NAMES = {"mha-kg": "mha-kg", "oxigraph": "Oxigraph", "floor": "floor", "rdflib-endpoint": "rdflib-endpoint"}
#: mha-kg's throughput at scale 1 against the floor (Flask, waitress, pyoxigraph, no checks): issue 18.
FLOOR_TARGET = 0.8


def _cell(entry: dict | None, key: str, timeout: float) -> str:
    if entry is None:
        return "–"
    if entry["timed_out"] and entry[key] is None:
        return f">{timeout:g} s"
    value = entry[key]
    if value is None:
        return "–"
    shown = f"{value:.2f}" if value < 100 else f"{value:,.0f}"
    return shown + (" (errors)" if entry.get("errors") and key == "p99_ms" else "")


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def _meets(scale: float, ours: float | None, oxigraph: float | None) -> str:
    """The issue's target for one query's p50: +1 ms at scale 1, 1.5x at larger scales."""
    if ours is None or oxigraph is None:
        return "–"
    ok = ours <= oxigraph + 1 if scale <= 1 else ours <= 1.5 * oxigraph
    return "yes" if ok else "**no**"


def markdown(results: dict) -> str:
    timeout = results["settings"]["timeout"]
    parts = []
    for scale in results["scales"]:
        servers = scale["servers"]
        names = [n for n in NAMES if n in servers]
        parts.append(f"### Scale {scale['scale']:g}: {scale['triples']:,} triples\n")
        parts.append(f"mha-kg build: {_build(scale['build_seconds'])}.\n")
        head = ["query"] + [f"{NAMES[n]} p50 / p99 ms" for n in names]
        if {"mha-kg", "oxigraph"} <= set(names):
            head += ["mha-kg ÷ Oxigraph (p50)", "target met"]
        if {"mha-kg", "rdflib-endpoint"} <= set(names):
            head += ["rdflib-endpoint ÷ mha-kg (p50)"]
        if {"mha-kg", "floor"} <= set(names):
            head += ["mha-kg ÷ floor"]
        rows = [head, ["---"] * len(head)]
        first = servers[names[0]]["queries"]
        for query in first:
            entries = {n: servers[n]["queries"].get(query) for n in names}
            row = [query] + [
                f"{_cell(entries[n], 'p50_ms', timeout)} / {_cell(entries[n], 'p99_ms', timeout)}"
                for n in names]
            ours = entries.get("mha-kg") or {}
            if {"mha-kg", "oxigraph"} <= set(names):
                row += [_ratio(ours.get("p50_ms"), entries["oxigraph"]["p50_ms"]),
                        _meets(scale["scale"], ours.get("p50_ms"), entries["oxigraph"]["p50_ms"])]
            if {"mha-kg", "rdflib-endpoint"} <= set(names):
                rdf = entries["rdflib-endpoint"]
                row += [f">{timeout / (ours.get('p50_ms') or 1) * 1000:,.0f}×" if rdf["timed_out"]
                        and rdf["p50_ms"] is None else _ratio(rdf["p50_ms"], ours.get("p50_ms"))]
            if {"mha-kg", "floor"} <= set(names):
                row += [_ratio(ours.get("p50_ms"), entries["floor"]["p50_ms"])]
            rows.append(row)
        rows.append(["**throughput, c=8 (req/s)**"] + [f"{servers[n]['throughput']['rps']:,}" for n in names]
                    + _extra(names, servers, lambda s: s["throughput"]["rps"], scale["scale"], "rps"))
        turns = _turns_line(servers)
        if turns:
            parts.append(turns)
        cold = cold_start(scale)
        rows.append(["**start-up (s)**"] + [_startup(n, servers[n]) for n in names]
                    + _extra(names, servers, lambda s: s["startup_s"], scale["scale"], "startup", cold))
        if cold is not None:
            parts.append(_cold_line(cold))
        rows.append(["**peak memory (MB)**"] + [f"{servers[n]['peak_rss_mb']:,}" for n in names]
                    + _extra(names, servers, lambda s: s["peak_rss_mb"], scale["scale"], "memory"))
        parts.append("\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n")
    return "\n".join(parts)


def cold_start(scale: dict) -> dict | None:
    """mha-kg's cold start against the Oxigraph server's load and start (issue 18's comparison):
    the median of the alternating pairs when the run timed some, else the run's one cold start."""
    pairs = scale.get("cold_pairs")
    if pairs:
        ranked = sorted(pairs, key=lambda pair: pair["mha_kg_s"] / pair["oxigraph_s"])
        return {**ranked[len(ranked) // 2], "pairs": pairs}  # of an even count, the higher
    ours, theirs = scale["servers"].get("mha-kg", {}), scale["servers"].get("oxigraph", {})
    if "cold_startup_s" not in ours or "startup_s" not in theirs:
        return None
    return {"mha_kg_s": ours["cold_startup_s"], "mha_kg_cpu_s": ours.get("cold_startup_cpu_s", 0),
            "oxigraph_s": theirs["startup_s"], "oxigraph_cpu_s": theirs.get("startup_cpu_s", 0),
            "pairs": []}


def _cold_line(cold: dict) -> str:
    wall = cold["mha_kg_s"] / cold["oxigraph_s"]
    cpu = cold["mha_kg_cpu_s"] / cold["oxigraph_cpu_s"] if cold["oxigraph_cpu_s"] else 0
    pairs = cold["pairs"]
    ratios = ", ".join(f"{pair['mha_kg_s'] / pair['oxigraph_s']:.2f}×" for pair in pairs)
    how = (f"the median of {len(pairs)} pairs started one after the other, in alternating order "
           f"(each pair: {ratios})" if pairs else "once")
    return (f"Cold start against the Oxigraph server's load and start, {how}: {cold['mha_kg_s']:.2f} s "
            f"against {cold['oxigraph_s']:.2f} s wall ({wall:.2f}×), {cold['mha_kg_cpu_s']:.1f} s "
            f"against {cold['oxigraph_cpu_s']:.1f} s of CPU ({cpu:.2f}×).\n")


def _turns_line(servers: dict) -> str | None:
    """mha-kg's throughput against the floor's in each turn they took: how far the shared
    machine moved the ratio, beside the ratio of the totals that the target is read from."""
    ours, floor = (servers.get(name, {}).get("throughput", {}).get("turns") for name in ("mha-kg", "floor"))
    if not ours or not floor or len(ours) < 2:
        return None
    ratios = ", ".join(f"{a / b:.2f}×" if b else "–" for a, b in zip(ours, floor, strict=True))
    return (f"Throughput against the floor, turn by turn ({len(ours)} turns, the servers one after "
            f"the other in each): {ratios}; over all {sum(ours) / sum(floor):.2f}×.\n")


def _build(seconds: dict) -> str:
    """The build's steps; `optimize` compacts the store beside serving, after the start."""
    return ", ".join(f"{k}{' (after the start)' if k == 'optimize' else ''} {v:.2f} s"
                     for k, v in seconds.items())


def _startup(name: str, server: dict) -> str:
    """Wall seconds, and CPU seconds (all threads and children), which a busy shared machine disturbs less."""
    cpu = f", CPU {server['startup_cpu_s']:.1f}" if "startup_cpu_s" in server else ""
    if name == "mha-kg" and "cold_startup_s" in server:
        cold_cpu = f", CPU {server['cold_startup_cpu_s']:.1f}" if "cold_startup_cpu_s" in server else ""
        return f"{server['startup_s']:.2f}{cpu} (cold {server['cold_startup_s']:.2f}{cold_cpu})"
    return f"{server['startup_s']:.2f}{cpu}"


def _startup_met(ours: dict, cold: dict | None, scale: float) -> str:
    """A restart under 2 s at every scale; a cold start (validation and OWL-RL included) under 3 s at
    scale 100 and within 2x of the Oxigraph server's load at scale 1000 and above (issue 18)."""
    met = ours["startup_s"] < 2
    if cold is not None and scale == 100:
        met = met and cold["mha_kg_s"] < 3
    if cold is not None and scale >= 1000:
        met = met and cold["mha_kg_s"] <= 2 * cold["oxigraph_s"]
    return "yes" if met else "**no**"


def _extra(names, servers, value, scale, kind, cold: dict | None = None) -> list[str]:
    cells = []
    if {"mha-kg", "oxigraph"} <= set(names):
        ours, theirs = value(servers["mha-kg"]), value(servers["oxigraph"])
        cells.append(_ratio(ours, theirs))
        if kind == "rps":
            cells.append("yes" if ours >= theirs * (0.25 if scale <= 1 else 0.5) else "**no**")
        elif kind == "memory" and scale >= 1000:  # the issue sets memory's target at scale 1000
            cells.append("yes" if ours <= 2 * theirs else "**no**")
        elif kind == "startup":
            cells.append(_startup_met(servers["mha-kg"], cold, scale))
        else:
            cells.append("–")
    if {"mha-kg", "rdflib-endpoint"} <= set(names):
        cells.append(_ratio(value(servers["rdflib-endpoint"]), value(servers["mha-kg"])))
    if {"mha-kg", "floor"} <= set(names):
        ours, floor = value(servers["mha-kg"]), value(servers["floor"])
        cell = _ratio(ours, floor)
        if kind == "rps" and scale <= 1 and floor:
            cell += f" (target {FLOOR_TARGET}×: {'yes' if ours >= FLOOR_TARGET * floor else '**no**'})"
        cells.append(cell)
    return cells


def plot(results: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = results["scales"]
    fig, axes = plt.subplots(len(scales), 1, figsize=(11, 4 * len(scales)), squeeze=False)
    timeout_ms = results["settings"]["timeout"] * 1000
    for ax, scale in zip(axes[:, 0], scales, strict=True):
        names = [n for n in NAMES if n in scale["servers"]]
        queries = list(scale["servers"][names[0]]["queries"])
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            values = []
            for q in queries:
                entry = scale["servers"][name]["queries"][q]
                values.append(entry["p50_ms"] if entry["p50_ms"] is not None else timeout_ms)
            ax.bar([x + i * width for x in range(len(queries))], values, width, label=NAMES[name])
        ax.set_yscale("log")
        ax.set_ylabel("p50 latency (ms, log)")
        ax.set_title(f"Scale {scale['scale']:g} ({scale['triples']:,} triples), concurrency 1")
        ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(queries))])
        ax.set_xticklabels([q.split("-", 1)[1] for q in queries], rotation=30, ha="right", fontsize=8)
        ax.legend()
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=80)
    plt.close(fig)


def write_docs(results: dict, table: str, docs: Path) -> None:
    """Replace the generated part of docs/performance.md and redraw the plot."""
    plot(results, docs / "img" / "benchmark.png")
    machine = results["machine"]
    generated = (f"{START}\n_Run on {results['date']}: {machine['cpus']} cores, {machine['memory_gb']} GB, "
                 f"Python {machine['python']}, mha-kg {machine['mha-kg']}, Oxigraph server "
                 f"{machine['oxigraph']}, rdflib-endpoint {machine['rdflib-endpoint']}._\n\n"
                 f"![p50 latency per query](img/benchmark.png)\n\n{table}\n{END}")
    path = docs / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    path.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: generated, text,
                           flags=re.S), encoding="utf-8")
