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
    Setting("project_dir", "", "Folder holding ontology/, data/ and shapes/: a checkout, for curators "
            "(`--project DIR`; default: the checkout of an editable install, else the data the "
            "package ships)."),
    Setting("state_dir", "", "Where built stores are kept (default: <project_dir>/.mha-kg for a checkout, "
            "the per-user state folder for the shipped data)."),
    Setting("releases_dir", "", "Where `mha-kg release` writes releases and /releases/ reads them "
            "(default: <project_dir>/data/releases for a checkout, <state_dir>/releases for the "
            "shipped data)."),
    Setting("validate", True, "Validate the dataset with the SHACL shapes before serving."),
    Setting("infer", True, "Materialise the OWL-RL closure into the inferred graph."),
    Setting("store", "", "URL of a remote SPARQL 1.1 endpoint to run over instead of the embedded store."),
    Setting("store_update", "", "Update endpoint of the remote store (default: the store URL)."),
    Setting("store_gsp", "", "Graph Store Protocol endpoint of the remote store, for `mha-kg load`."),
    Setting("store_user", "", "User name for the remote store (HTTP digest or basic, as it asks)."),
    Setting("store_password", "", "Password for store_user: set it in a config file or "
            "MHA_KG_STORE_PASSWORD, not on the command line. Never shown."),
    Setting("sparql_time_limit_ms", 30000, "Queries running longer are stopped with a 503."),
    Setting("max_returned_rows", 10000,
            "Most rows (or triples) one query returns; more are cut and flagged."),
    Setting("max_request_bytes", 1_000_000, "Largest request body accepted (413 above it)."),
    Setting("max_query_bytes", 100_000, "Longest SPARQL query text accepted."),
    Setting("reconcile_batch_size", 50, "Most queries in one reconciliation batch (413 above it)."),
    Setting("reconcile_extend_max_ids", 1000,
            "Most entity ids in one data extension call (413 above it); OpenRefine's preview sends "
            "every id on its page, up to 1000."),
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
    Setting("update_time_limit_ms", 30000,
            "Updates running longer are stopped with a 503 and change nothing."),
    Setting("update_memory_limit_mb", 2048,
            "Address-space limit of the process that evaluates one update, in MiB (floor 1024)."),
    Setting("writes_waiting_max", 2,
            "Most writes waiting behind the running one (503 above it), so reads keep their threads."),
    Setting("allow_destructive_writes", False,
            "Allow writes that empty a standard graph (CLEAR, DROP, DELETE of a graph)."),
    Setting("curators_file", "",
            "JSON file of curators (name and SHA-256 of their token) who may edit in the browser; "
            "empty: <state_dir>/curators.json. No curators: nothing can be changed from a page."),
    Setting("session_secret", "",
            "Key that signs curators' session cookies; empty: a random key per start (sign in again "
            "after a restart)."),
    Setting("ror_link_threshold", 0.75, "`mha-kg link ror`: score at or above which a ROR record is linked."),
    Setting("ror_review_threshold", 0.45,
            "`mha-kg link ror`: score at or above which a pair goes to the review list."),
)

#: Settings whose values are never shown.
SECRETS = ("write_token", "store_password", "session_secret")
#: Settings refused on the command line, where the shell history would keep them.
NOT_ON_COMMAND_LINE = ("store_password",)

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
    for name, value in pairs:
        if name in NOT_ON_COMMAND_LINE:
            raise KGError(f"{name} is not taken from the command line, where the shell history "
                          f"keeps it: set {ENV_PREFIX}{name.upper()} or put it in a --config file")
        resolved[name] = setting(name).coerce(value)
    for name, value in (overrides or {}).items():
        resolved[name] = setting(name).coerce(value)
    resolved["base_iri"] = resolved["base_iri"].rstrip("/")
    if not resolved["project_dir"]:
        resolved["project_dir"] = str(default_project_dir())
    shipped = is_shipped(resolved["project_dir"])
    if not resolved["state_dir"]:
        resolved["state_dir"] = str(user_state_dir() if shipped
                                    else Path(resolved["project_dir"]) / ".mha-kg")
    if not resolved["releases_dir"]:
        resolved["releases_dir"] = str(Path(resolved["state_dir"]) / "releases" if shipped
                                       else Path(resolved["project_dir"]) / "data" / "releases")
    return resolved


#: Where an installed wheel keeps the ontology, shapes, data and source it ships (pyproject.toml).
SHIPPED = Path(__file__).resolve().parent / "shipped"


def default_project_dir() -> Path:
    """The data the package runs on: what an installed wheel ships, else the checkout it runs from."""
    return SHIPPED if SHIPPED.is_dir() else Path(__file__).resolve().parents[2]


def is_shipped(project_dir: str | Path) -> bool:
    """True for the read-only copy inside an installed package (never written to)."""
    return Path(project_dir).resolve() == SHIPPED.resolve()


def user_state_dir() -> Path:
    """The per-user state folder (XDG_STATE_HOME on Linux), where an installed package builds its store."""
    import platformdirs

    return platformdirs.user_state_path("mha-kg")


def public(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings safe to show on /-/settings.json: never a secret (the write token, the store's
    password) or a file-system path."""
    shown = {s.name: settings.get(s.name, s.default) for s in SETTINGS}
    for secret in SECRETS:
        if shown[secret]:
            shown[secret] = "(set)"
    for name in PRIVATE_PATHS:  # where the files are is no one else's business
        shown[name] = "(hidden)"
    return shown


#: Settings that are file-system paths: never shown in a public answer.
PRIVATE_PATHS = ("project_dir", "state_dir", "curators_file", "releases_dir")


def markdown_table() -> str:
    """The settings as the README's table (a test keeps the README in step)."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        shown = " ".join(s.default) if isinstance(s.default, list) else s.default
        default = f"`{shown}`" if shown not in ("", []) else ""
        rows.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
