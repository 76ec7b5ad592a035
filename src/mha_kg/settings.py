"""The one settings table.

Every tunable of the project is declared once here as a `Setting`. The same
table drives `mha-kg serve --help-settings`, `/-/settings.json`, the README's
settings table (a test keeps them in step) and validation of user input.

Layers, later wins: defaults, a JSON config file, `MHA_KG_<NAME>` environment
variables, `--setting NAME VALUE` on the command line, then a dict passed by
code (the tests' way of building small apps).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KGError

ENV_PREFIX = "MHA_KG_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    def coerce(self, value: Any) -> Any:
        """Turn a string from the environment or command line into the default's type."""
        kind = type(self.default)
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        text = str(value).strip()
        try:
            if kind is bool:
                if text.lower() in {"1", "true", "yes", "on"}:
                    return True
                if text.lower() in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(text)
            if kind is int:
                return int(text)
            if kind is float:
                return float(text)
            if kind is list:
                return [part for part in text.replace(",", " ").split() if part]
        except ValueError:
            raise KGError(
                f"setting {self.name} expects {kind.__name__}, got {text!r}"
            ) from None
        return text


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", "https://w3id.org/mha-kg", "Base of every IRI the graph mints (no trailing slash)."),
    Setting("project_dir", "", "Folder holding ontology/, data/ and shapes/ (default: the checkout)."),
    Setting("state_dir", "", "Where built stores are kept (default: <project_dir>/.mha-kg)."),
    Setting("validate", True, "Validate the dataset with the SHACL shapes before serving."),
    Setting("infer", True, "Materialise the OWL-RL closure into the inferred graph."),
    Setting("store", "", "URL of a remote SPARQL 1.1 endpoint to run over instead of the embedded store."),
    Setting("store_update", "", "Update endpoint of the remote store (default: the store URL)."),
    Setting("store_gsp", "", "Graph Store Protocol endpoint of the remote store, for `mha-kg load`."),
    Setting("sparql_time_limit_ms", 30000, "Queries running longer are stopped with a 503."),
    Setting("max_returned_rows", 10000,
            "Most rows (or triples) one query returns; more are cut and flagged."),
    Setting("max_request_bytes", 1_000_000, "Largest request body accepted (413 above it)."),
    Setting("max_query_bytes", 100_000, "Longest SPARQL query text accepted."),
    Setting("reconcile_batch_size", 50,
            "Most queries in one reconciliation batch, or ids in one data extension (413 above it)."),
    Setting("max_query_depth", 128, "Deepest nesting of {}, () and [] accepted in a query."),
    Setting("query_workers", 2, "Query worker processes kept warm."),
    Setting("query_workers_max", 2, "Most query worker processes at once (slow queries get their own)."),
    Setting("query_memory_limit_mb", 2048, "Address-space limit of one query worker, in MiB."),
    Setting("inline_query_ms", 10, "A query seen to finish this fast in a worker runs in the server "
            "process next time (0: always in a worker)."),
    Setting("threads", 16, "Threads of the WSGI server."),
    Setting("service_allowlist", [], "Endpoints SERVICE may reach (space separated); empty: none."),
    Setting("cors", True, "Send Access-Control-Allow-Origin: * on read endpoints."),
    Setting("default_cache_ttl", 300, "Cache-Control max-age, in seconds, of read responses; then a "
            "cache revalidates with their ETag or Last-Modified (304 when unchanged)."),
    Setting("write_token", "",
            "Bearer token that enables SPARQL Update and Graph Store writes; empty: read-only."),
    Setting("ror_link_threshold", 0.75, "`mha-kg link ror`: score at or above which a ROR record is linked."),
    Setting("ror_review_threshold", 0.45,
            "`mha-kg link ror`: score at or above which a pair goes to the review list."),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def setting(name: str) -> Setting:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KGError(f"unknown setting {name!r}; see --help-settings") from None


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        s.name: s.coerce(environ[ENV_PREFIX + s.name.upper()])
        for s in SETTINGS
        if ENV_PREFIX + s.name.upper() in environ
    }


def from_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KGError(f"cannot read config {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise KGError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise KGError(f"{path}: a config file is a JSON object of settings")
    settings = data.get("settings", data)
    return {name: setting(name).coerce(value) for name, value in settings.items()}


def load(
    overrides: Mapping[str, Any] | None = None,
    pairs: Iterable[tuple[str, str]] = (),
    config: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Resolve every setting through the layers and fill in the derived paths."""
    resolved = defaults()
    if config is not None:
        resolved.update(from_file(config))
    resolved.update(from_env(os.environ if environ is None else environ))
    resolved.update({name: setting(name).coerce(value) for name, value in pairs})
    for name, value in (overrides or {}).items():
        resolved[name] = setting(name).coerce(value)
    resolved["base_iri"] = resolved["base_iri"].rstrip("/")
    if not resolved["project_dir"]:
        resolved["project_dir"] = str(default_project_dir())
    if not resolved["state_dir"]:
        resolved["state_dir"] = str(Path(resolved["project_dir"]) / ".mha-kg")
    return resolved


def default_project_dir() -> Path:
    """The checkout this package was installed from (editable installs keep it)."""
    return Path(__file__).resolve().parents[2]


def public(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings safe to show on /-/settings.json: the write token is never shown."""
    shown = {s.name: settings.get(s.name, s.default) for s in SETTINGS}
    if shown["write_token"]:
        shown["write_token"] = "(set)"
    return shown


def markdown_table() -> str:
    """The settings as the README's table (a test keeps the README in step)."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        shown = " ".join(s.default) if isinstance(s.default, list) else s.default
        default = f"`{shown}`" if shown not in ("", []) else ""
        rows.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
