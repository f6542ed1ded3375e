"""Run the ASGI app in one process or several, with the HTTP server measured best for each.

One worker is plain uvicorn. Several workers are served by the server chosen in
docs/performance.md ("Serving with several workers"): uvicorn's own `--workers` shares one
listening socket and, under keep-alive, the worker that wakes first accepts most connections and
keeps them, so one core does most of the work.
"""

from __future__ import annotations

from typing import Any

APP = "licensor.app:create_app_from_env"
SERVERS = ("uvicorn", "gunicorn", "granian")
# The server `licensor serve --workers N` uses for N > 1 (docs/performance.md has the figures).
MULTI_WORKER_SERVER = "granian"


def pick(server: str, workers: int) -> str:
    if server != "auto":
        return server
    return "uvicorn" if workers == 1 else MULTI_WORKER_SERVER


def run(server: str, *, host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve until stopped. `server` is one of SERVERS (already picked). No server reads
    X-Forwarded-For or X-Forwarded-Proto itself (uvicorn's default would believe 127.0.0.1):
    Licensor reads them from LICENSOR_TRUSTED_PROXIES alone (core/web/clients.py)."""
    if server == "uvicorn":
        import uvicorn

        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=access_log, proxy_headers=False)
    elif server == "gunicorn":
        _gunicorn(host=host, port=port, workers=workers, access_log=access_log)
    elif server == "granian":
        _granian(host=host, port=port, workers=workers, access_log=access_log)
    else:  # the CLI offers only SERVERS
        raise ValueError(server)


def _granian(*, host: str, port: int, workers: int, access_log: bool) -> None:
    from granian import Granian
    from granian.constants import Interfaces, Loops

    Granian(APP, factory=True, address=host, port=port, interface=Interfaces.ASGI,
            workers=workers, loop=Loops.uvloop, log_access=access_log,
            # A worker that dies (or is killed) is started again, as uvicorn and gunicorn do.
            respawn_failed_workers=True).serve()


def _gunicorn(*, host: str, port: int, workers: int, access_log: bool) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # a dev extra: kept to compare servers (bench/), not to run in production
        raise SystemExit("--server gunicorn needs gunicorn and uvicorn-worker: "
                         "pip install -e '.[dev]'") from None

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}", "workers": workers,
                "worker_class": "uvicorn_worker.UvicornWorker",
                "accesslog": "-" if access_log else None, "errorlog": "-",
                # Each worker builds its own app after the fork (database pools, threads).
                "preload_app": False, "graceful_timeout": 10,
                "forwarded_allow_ips": "",  # read by Licensor (core/web/clients.py)
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from licensor.app import create_app_from_env

            return create_app_from_env()

    Application().run()
