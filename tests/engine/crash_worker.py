"""A worker process for the crash test: `sopdesk worker`'s wiring, delivering to an SMTP sink.

Run as `python -m tests.engine.crash_worker`; configured by SOPDESK_* variables like the CLI
(the channel handlers read SOPDESK_SMTP_HOST/PORT from the settings in the WorkContext).
"""

from __future__ import annotations

import logging
import signal

from sopdesk.cli.options import load_settings, start_runtime
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker, WorkerPolicy
from sopdesk.handlers import import_handlers


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    runtime = start_runtime(settings)
    import_handlers()
    worker = Worker(
        WorkContext(runtime.db, runtime.clock, runtime.desk, settings),
        HANDLERS,
        WorkerPolicy.of(settings),
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    print("ready", flush=True)
    worker.run()


if __name__ == "__main__":
    main()
