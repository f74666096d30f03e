"""A worker process for the crash test: `sopdesk worker`'s wiring plus the SMTP delivery handler.

Run as `python -m tests.engine.crash_worker`; configured by SOPDESK_* variables like the CLI.
The e-mail channel's EmailSender is registered here because no handler module registers it yet.
"""

from __future__ import annotations

import logging
import signal

from sopdesk.channels.email.blobs import BlobStore
from sopdesk.channels.email.config import MailSettings
from sopdesk.channels.email.outgoing import EmailSender
from sopdesk.cli.options import load_settings, start_runtime
from sopdesk.engine.worker import HANDLERS, WorkContext, Worker, WorkerPolicy, import_handlers


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    runtime = start_runtime(settings)
    import_handlers()
    sender = EmailSender(
        MailSettings.from_env(),
        settings.resolved_secret_key(),
        BlobStore(settings.attachments_path),
    )
    sender.register(HANDLERS)
    worker = Worker(
        WorkContext(runtime.db, runtime.clock, runtime.desk), HANDLERS, WorkerPolicy.of(settings)
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    print("ready", flush=True)
    worker.run()


if __name__ == "__main__":
    main()
