"""The terminal app's responsiveness: time to first frame, and keypress-to-screen for pane switches.

    .venv/bin/python tests/benchmarks/bench_tui.py [--repeat 7] [--switches 40] [--keep DIR]

Medians are reported (the machine is small and noisy). The app runs as a user runs it:
``maxworks app`` (or, until that command is registered, the same click command through
``python -c``) in a pseudo-terminal of 80x24 with TERM=xterm-256color.

* First frame: from spawning the process to the status bar's workspace name appearing on the
  terminal, starting on Operation Center (the shell alone) and on DataStudio (the default).
* Pane switch: from writing the chord's byte (ctrl+o is 0x0f) to the new pane's text appearing.
  The first visit of a pane imports and builds it; it is printed apart, not in the medians.

Targets: first frame <= 1 s, pane switch <= 50 ms. ``--strict`` exits 2 when one is missed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
WORKSPACE = "benchshop"
MARKERS = {
    "studio": b"No node open",  # DataStudio with no node open (tui.panes.studio)
    "ops": b"arrives with issue 6",
    "map": b"arrives with issue 7 (find",
    "approvals": b"arrives with issue 7 (perm",
}
# The bytes a terminal sends for the default pane chords ctrl+t, ctrl+o, ctrl+n, ctrl+l.
KEYS = {"studio": b"\x14", "ops": b"\x0f", "map": b"\x0e", "approvals": b"\x0c"}


def app_command() -> list[str]:
    from engine.cli import COMMANDS

    if "app" in COMMANDS:
        return [str(Path(PYTHON).parent / "maxworks"), "app"]
    return [PYTHON, "-c", "from engine.cli.app_cmd import app; app()"]


class Terminal:
    """The app in a pseudo-terminal; ``wait_for`` reads the screen stream until a marker shows."""

    def __init__(self, cwd: Path, env: dict[str, str], size: tuple[int, int] = (80, 24)) -> None:
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            app_command(), cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.buffer = b""

    def wait_for(self, marker: bytes, timeout: float = 20.0) -> float:
        """Seconds until ``marker`` appears in output written after the last call."""
        start = time.perf_counter()
        seen = b""
        while marker not in seen:
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"{marker!r} did not appear; last output: {seen[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    seen += os.read(self.master, 65536)
                except OSError:
                    raise RuntimeError(f"the app exited; output: {seen[-2000:]!r}") from None
        return time.perf_counter() - start

    def drain(self, quiet: float = 0.15) -> None:
        while select.select([self.master], [], [], quiet)[0]:
            try:
                os.read(self.master, 65536)
            except OSError:
                return

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        self.send(b"\x11")  # ctrl+q
        try:
            deadline = time.monotonic() + 10
            while self.proc.poll() is None and time.monotonic() < deadline:
                self.drain(0.05)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            os.close(self.master)


def make_workspace(base: Path) -> Path:
    from engine.workspace import Workspace

    root = base / "ws"
    if not (root / "maxworks.toml").exists():
        Workspace.init(root, project=WORKSPACE)
    return root


def environment(base: Path, start_pane: str) -> dict[str, str]:
    config = base / f"config-{start_pane}"
    config.mkdir(exist_ok=True)
    (config / "config.toml").write_text(f'start_pane = "{start_pane}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL")}
    env.update(
        TERM="xterm-256color", COLORTERM="truecolor", MAXWORKS_CONFIG_DIR=str(config),
        PYTHONPATH=str(ROOT), HOME=str(base),
    )  # fmt: skip
    return env


def first_frames(ws: Path, base: Path, start_pane: str, repeat: int) -> list[float]:
    env = environment(base, start_pane)
    out = []
    for _ in range(repeat):
        term = Terminal(ws, env)
        try:
            term.wait_for(WORKSPACE.encode())
            out.append(time.perf_counter() - term.started)
        finally:
            term.close()
    return out


def switches_in_terminal(ws: Path, base: Path, count: int) -> dict[str, list[float]]:
    """Cycle through the panes; the first visit of each builds it and is reported apart."""
    term = Terminal(ws, environment(base, "ops"))
    cycle = ["map", "approvals", "studio", "ops"]
    out: dict[str, list[float]] = {pane: [] for pane in cycle}
    first: dict[str, float] = {}
    try:
        term.wait_for(MARKERS["ops"])
        term.drain()
        for i in range(count + len(cycle)):
            pane = cycle[i % len(cycle)]
            term.send(KEYS[pane])
            took = term.wait_for(MARKERS[pane])
            if i < len(cycle) and pane != "ops":
                first[pane] = took
            else:
                out[pane].append(took)
            term.drain(0.05)
    finally:
        term.close()
    for pane, took in first.items():
        print(f"first visit of {pane:<10} (import + build) {took * 1000:8.1f} ms")
    return out


def report(name: str, samples: list[float], target: float) -> bool:
    med = statistics.median(samples)
    ok = med <= target
    print(
        f"{name:<44} median {med * 1000:8.1f} ms   min {min(samples) * 1000:7.1f}   "
        f"max {max(samples) * 1000:7.1f}   n={len(samples):<3} target <= {target * 1000:.0f} ms "
        f"{'ok' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="first-frame runs per start pane")
    parser.add_argument("--switches", type=int, default=40, help="pane switches to time")
    parser.add_argument("--keep", type=Path, help="reuse this folder for the workspace")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_tui_"))
    base.mkdir(parents=True, exist_ok=True)
    ws = make_workspace(base)
    print(f"workspace {ws}; command: {' '.join(app_command())}")
    ok = True
    for start in ("ops", "studio"):
        ok &= report(
            f"first frame, start on {start} (pty 80x24)",
            first_frames(ws, base, start, args.repeat),
            1.0,
        )
    per_pane = switches_in_terminal(ws, base, args.switches)
    for pane, samples in per_pane.items():
        ok &= report(f"switch to {pane}, keypress to screen (pty)", samples, 0.05)
    everything = [t for samples in per_pane.values() for t in samples]
    ok &= report("any pane switch, keypress to screen (pty)", everything, 0.05)
    return 0 if ok or not args.strict else 2


if __name__ == "__main__":
    raise SystemExit(main())
