"""Run the web application under a production WSGI server (waitress)."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Sequence

from ..curate.curators import writes_enabled
from ..curate.writes import open_graph, optimize_served


def run(settings: dict, files: Sequence[str], host: str, port: int) -> None:
    import waitress

    from ..netguard import endpoints, install
    from .app import create_app

    install(endpoints(settings))  # from here on, no connection but to the allowlisted endpoints
    kg = open_graph(settings, files, writer=writes_enabled(settings), optimized=False)
    kg.engine.warm()
    app = create_app(settings, kg=kg)
    sock = socket.create_server((host, port), family=_family(host), reuse_port=False)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving the knowledge graph at http://{shown}:{bound_port}/ "
          f"(SPARQL endpoint http://{shown}:{bound_port}/sparql)", file=sys.stderr, flush=True)
    threading.Thread(target=_optimize, args=(kg,), name="optimize-store", daemon=True).start()
    try:
        waitress.serve(
            app,
            sockets=[sock],
            threads=settings["threads"],
            max_request_body_size=settings["max_request_bytes"],
            ident="mha-kg",
            channel_timeout=max(120, settings["sparql_time_limit_ms"] // 1000 + 30),
            clear_untrusted_proxy_headers=True,
        )
    finally:
        kg.close()


def _optimize(kg) -> None:
    """A store built by this start is compacted beside serving; a failure leaves it served as is."""
    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)
    try:
        optimize_served(kg, say)
    except Exception as exc:  # the store served is sound: say why and go on
        say(f"the store was not optimized ({exc}); it is served as built")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def get(settings: dict, files: Sequence[str], path: str) -> tuple[int, bytes]:
    """One request through the application, without a server (`serve --get`)."""
    from .app import create_app

    kg = open_graph(settings, files, log=lambda _: None)
    try:
        app = create_app(settings, kg=kg)
        response = app.test_client().get(path)
        return response.status_code, response.get_data()
    finally:
        kg.close()
