"""Plumbing shared by the interop worker scripts: connect to the engine named by `III_URL`,
tell the test when the registrations are sent, and stop cleanly on SIGTERM."""

import logging
import os
import signal
import sys
import threading
import warnings

from iii import InitOptions, register_worker

# `register_trigger` is deprecated in iii-sdk 0.25 in favour of `observe`, which a 0.23
# engine (ours included) does not speak; the SDK itself says to keep using it for http,
# cron and queue triggers.
warnings.filterwarnings("ignore", category=DeprecationWarning)
logging.basicConfig(
    level=os.environ.get("III_TEST_LOG_LEVEL", "INFO"),
    stream=sys.stderr,
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)


def connect(name):
    """A worker connected to the engine (blocks until the WebSocket is open)."""
    return register_worker(options=InitOptions(worker_name=name))


def serve(worker):
    """Print READY, then serve until SIGTERM or SIGINT, then shut the worker down."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("READY", flush=True)
    stop.wait()
    worker.shutdown()
    print("STOPPED", flush=True)


def env(name):
    """A required setting passed by the test."""
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set")
    return value
