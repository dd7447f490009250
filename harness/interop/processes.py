"""What every local-server launcher needs.

Private files, a free loopback port, stopping a process, the tail of its log, stopping whatever
is still running when the harness exits, :class:`ServerProcess`, the started-server base class
(stop once, as a context manager, state directory removed) of every launcher,
:func:`launch_in_state_dir` (a start's state directory, removed when the start fails) and
:func:`serve_in_foreground` (``python -m harness.interop.<server>``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, TypeVar

ServerT = TypeVar("ServerT")


def write_file(path: Path, data: bytes | str, *, private: bool = False) -> Path:
    """Write ``data``; a ``private`` file (keys, secrets, configs with secrets) is 0600 from its creation."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    mode = 0o600 if private else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as stream:
        stream.write(raw)
    os.chmod(path, mode)  # an existing file keeps its old mode through os.open
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, limit: int = 3000) -> str:
    """The end of a log file, for error messages."""
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no output)"


def terminate(process: subprocess.Popen[bytes], timeout_s: float, *, process_group: bool = False) -> None:
    """SIGTERM, then SIGKILL after ``timeout_s``.

    ``process_group`` also kills children left in its group (the process must have been
    started with ``start_new_session=True``).
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                if process_group:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            process.wait(timeout=timeout_s)
    if process_group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()


class Stoppable(Protocol):
    """A started server."""

    def stop(self) -> None:
        """Stop it (idempotent)."""
        ...


class ServerProcess:
    """A started server process: stopped at most once (SIGTERM, then SIGKILL), its state directory removed.

    Tracked from construction, so a server still running when the interpreter exits is stopped
    too. Subclasses set :attr:`stop_timeout_s` and :attr:`process_group` (the process was started
    with ``start_new_session=True`` and children stay in its group) and may extend :meth:`_close`
    (release what they hold) and :meth:`_keeps_state`.
    """

    stop_timeout_s: float = 5.0
    process_group: bool = False

    def __init__(self, process: subprocess.Popen[bytes], state_dir: Path) -> None:
        """Wrap an already started process whose files live in ``state_dir``."""
        self.process = process
        self.state_dir = state_dir
        self._stopped = False
        self._stop_lock = threading.Lock()
        track(self)

    @property
    def pid(self) -> int:
        """Process id of the server."""
        return self.process.pid

    def is_running(self) -> bool:
        """Whether the process is alive."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process and remove the state directory (idempotent)."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
            untrack(self)
            self._close()
            terminate(self.process, self.stop_timeout_s, process_group=self.process_group)
            if not self._keeps_state():
                shutil.rmtree(self.state_dir, ignore_errors=True)

    def _close(self) -> None:
        """Release what the wrapper holds (clients, files) before the process is stopped."""

    def _keeps_state(self) -> bool:
        """Whether :meth:`stop` leaves the state directory in place."""
        return False

    def __enter__(self) -> Self:
        """Return self."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the server."""
        self.stop()


def launch_in_state_dir(prefix: str, state_dir: Path | None, launch: Callable[[Path], ServerT]) -> ServerT:
    """Run ``launch`` in ``state_dir`` (created if missing; a fresh temporary ``<prefix>…`` one when None).

    When ``launch`` raises (or is interrupted), the directory is removed and the error goes on;
    on success the started server owns it (:meth:`ServerProcess.stop` removes it).
    """
    directory = Path(tempfile.mkdtemp(prefix=prefix)) if state_dir is None else Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return launch(directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def serve_in_foreground(server: ServerProcess, env: Mapping[str, str],
                        status: Callable[[], str]) -> None:  # pragma: no cover - manual use
    """Print ``export`` lines for ``env`` and ``# <status()>``, wait until the server exits or Ctrl-C; stop it.

    ``status`` (which may ask the server) is called inside the ``finally`` that stops it.
    """
    try:
        lines = [f"export {name}={value}" for name, value in sorted(env.items())]
        lines.append(f"# {status()}")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        while server.is_running():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


_running: list[Stoppable] = []
_lock = threading.Lock()


def track(server: Stoppable) -> None:
    """Stop ``server`` when the interpreter exits, unless it was stopped before."""
    with _lock:
        _running.append(server)


def untrack(server: Stoppable) -> None:
    """``server`` was stopped."""
    with _lock:
        if server in _running:
            _running.remove(server)


def _stop_all() -> None:
    for server in list(_running):
        with contextlib.suppress(Exception):
            server.stop()


atexit.register(_stop_all)
