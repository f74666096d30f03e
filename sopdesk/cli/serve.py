"""`sopdesk serve` (the web app with its embedded worker) and `sopdesk worker` (the worker alone).

Both stop cleanly on SIGINT or SIGTERM: requests and jobs in flight finish, then exit code 0.
With `--workers N` (N > 1) the web app runs in N uvicorn processes; the embedded worker and the
inbound mail services stay in the parent process, so they run once whatever N is.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from sopdesk import embeddings
from sopdesk.channels.email.intake_services import MailIntake
from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.demo import print_sign_in
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, start_runtime
from sopdesk.demo.accounts import demo_sign_in
from sopdesk.engine.callouts import schedule_trend_jobs
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker, WorkerPolicy
from sopdesk.handlers import import_handlers
from sopdesk.runtime import Runtime
from sopdesk.settings import Settings
from sopdesk.web.app import create_app
from sopdesk.web.factory import FACTORY, export_settings


def _worker_of(runtime: Runtime) -> Worker:
    import_handlers()
    embeddings.serve_single_threaded()
    # The recurring jobs (trend callouts) set their first timers where none is pending.
    schedule_trend_jobs(runtime.db, runtime.clock, runtime.desk)
    context = WorkContext(runtime.db, runtime.clock, runtime.desk, runtime.settings)
    return Worker(context, HANDLERS, WorkerPolicy.of(runtime.settings))


def _uvicorn_config(settings: Settings, app: Any, workers: int = 1) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        server_header=False,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; sopdesk's TrustedProxies
        # middleware reads it only from settings.trusted_proxies.
        proxy_headers=False,
        factory=isinstance(app, str),
        workers=workers,
    )


def _web_server(
    settings: Settings, runtime: Runtime
) -> tuple[Callable[[], None], Callable[[], bool]]:
    """How to run the web app until a stop signal, and whether it started: in this process
    (one web process), or in `web_workers` processes under uvicorn's supervisor."""
    if settings.web_workers == 1:
        server = uvicorn.Server(_uvicorn_config(settings, create_app(runtime)))
        return server.run, lambda: server.started
    settings.resolved_secret_key()  # generated once here, not raced for by the processes
    export_settings(settings)
    config = _uvicorn_config(settings, FACTORY, settings.web_workers)
    # The supervisor binds the socket once and hands it to every process (started fresh, each
    # with its own Runtime); SIGINT/SIGTERM stop them, each finishing the requests in flight.
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    return supervisor.run, lambda: all(p.exitcode != STARTUP_FAILURE for p in supervisor.processes)


def _on_stop_signals(action: Callable[[], object]) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        action()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _announce_when_up(settings: Settings, runtime: Runtime, started: Callable[[], bool]) -> None:
    """Once the server answers, the last lines of the start: the demo sign-in (accounts that
    still take the demo password) and where the demo mailbox is."""
    for _ in range(600):
        if started():
            break
        time.sleep(0.1)
    else:
        return
    base = f"http://{settings.host}:{settings.port}"
    print_sign_in(demo_sign_in(runtime.db, runtime.desk), base)
    if settings.mail_transport == "mailbox":
        out.print(
            "  outgoing mail and chat posts are kept in the demo mailbox, not sent: "
            f"{base}/mailbox",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
@friendly
def serve(
    desk: DeskOpt = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on. (env SOPDESK_HOST; default: 127.0.0.1)"),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port to listen on. (env SOPDESK_PORT; default: 8000)"),
    ] = None,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Do not run the embedded worker (run `sopdesk worker` processes instead). "
            "(env SOPDESK_EMBEDDED_WORKER=false)",
        ),
    ] = False,
    database_url: DatabaseOpt = None,
    smtp_port: Annotated[
        int | None,
        typer.Option(
            "--smtp-port",
            help="Also listen for inbound mail over SMTP on this port. "
            "(env SOPDESK_SMTP_LISTEN_PORT; default: off)",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Web processes to serve with; the embedded worker still runs once, in the "
            "parent process. (env SOPDESK_WEB_WORKERS; default: 1)",
        ),
    ] = None,
) -> None:
    """Serve the web app and the REST API until interrupted (Ctrl-C or SIGTERM).

    Migrates the database to the latest version first. Unless --no-worker is given, a worker
    thread in the same process fires timers and delivers the outbox. With --workers N, N web
    processes share the port; the worker thread stays in the parent, one for all of them.

    Example: sopdesk serve --desk ./desk --port 8000
    """
    settings = load_settings(
        desk=desk,
        host=host,
        port=port,
        database_url=database_url,
        embedded_worker=False if no_worker else None,
        smtp_listen_port=smtp_port,
        web_workers=workers,
    )
    runtime = start_runtime(settings)
    mail_in = MailIntake(runtime)
    worker = _worker_of(runtime) if settings.embedded_worker else None
    thread = None
    # uvicorn re-raises the signal it stopped on once it has shut down; with these handlers
    # installed that re-raise lands here instead of killing the process with a signal status.
    # (With several web processes the supervisor installs its own handlers over these; the
    # worker is stopped below once the processes have.)
    _on_stop_signals(lambda: worker.stop() if worker else None)
    run, started = _web_server(settings, runtime)
    if worker is not None:
        thread = threading.Thread(target=worker.run, name="sopdesk-worker", daemon=True)
        thread.start()
    mail_in.start()
    processes = f", {settings.web_workers} web processes" if settings.web_workers > 1 else ""
    out.print(
        f"sopdesk serving {settings.desk} on http://{settings.host}:{settings.port} "
        f"({runtime.db.engine.dialect.name}, worker: {'embedded' if worker else 'off'}"
        f"{processes})",
        highlight=False,
        soft_wrap=True,
    )
    announcer = threading.Thread(
        target=_announce_when_up, args=(settings, runtime, started), name="sopdesk-announce"
    )
    announcer.daemon = True
    announcer.start()
    try:
        run()
    finally:
        mail_in.stop()
        if worker is not None and thread is not None:
            worker.stop()
            thread.join(timeout=30)
        runtime.close()
    if not started():
        raise typer.Exit(1)
    out.print("sopdesk stopped", highlight=False)


@app.command("worker")
@friendly
def worker_command(desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Run a worker alone: fire due timers and deliver the outbox until SIGINT/SIGTERM.

    Any number of workers may share one PostgreSQL database; each claims different rows.

    Example: sopdesk worker --desk ./desk --database-url postgresql://sopdesk@db/sopdesk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    runtime = start_runtime(settings)
    worker = _worker_of(runtime)
    _on_stop_signals(worker.stop)
    out.print(f"sopdesk worker running on {runtime.db.engine.dialect.name}", highlight=False)
    try:
        worker.run()
    finally:
        runtime.close()
    out.print("sopdesk worker stopped", highlight=False)
