"""The terminal app's responsiveness: time to first frame, and keypress-to-screen for pane switches.

    .venv/bin/python tests/benchmarks/bench_tui.py [--repeat 7] [--switches 40] [--keep DIR]
        [--placeholders] [--workspace DIR --node NAME] [--ab-footer]

Medians are reported (the machine is small and noisy). The app runs as a user runs it:
``maxworks app`` (or, until that command is registered, the same click command through
``python -c``) in a pseudo-terminal of 80x24 with TERM=xterm-256color.

* First frame: from spawning the process to the status bar's workspace name appearing on the
  terminal, starting on Operation Center (the shell alone) and on DataStudio (the default).
* Pane switch: from writing the chord's byte (ctrl+o is 0x0f) to the new pane's text appearing.
  The first visit of a pane imports and builds it; it is printed apart, not in the medians.

``--placeholders`` runs the app with Operation Center, Data Map and Approvals as the shell's
placeholder panes, so a switch away from DataStudio measures what leaving DataStudio costs, not
what drawing another pane costs. ``--workspace DIR`` uses an existing workspace (e.g. the demo:
``maxworks demo DIR --no-app``) instead of an empty one, and ``--node NAME`` opens that node in
DataStudio (editor, properties form) before the switches start.

``--pace S`` waits for S seconds of quiet output after each switch before the next key (default
0.05: back to back, as a key held down; the work a switch leaves for after its first frame then
delays the next one). ``--ab-footer`` measures the switches in two apps side by side, round by round, in one run: one
with Textual's own ``Footer`` (before) and one with the shell's ``KeyFooter`` (after), each on
its own copy of the workspace; with ``--before-tree DIR`` the "before" app is the code in DIR
(an older commit, exported with ``git archive``) instead.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
WORKSPACE = "benchshop"
MARKERS = {
    "studio": b"No node open",  # DataStudio with no node open (tui.panes.studio)
    "ops": b"Backfills",  # Operation Center's view bar
    "map": b"Lineage",  # Data Map's detail tabs
    "approvals": b"approve",  # Approvals' "To approve" tab
}
PLACEHOLDER_MARKERS = {
    "ops": b"arrives with issue 6",
    "map": b"arrives with issue 7 (find",
    "approvals": b"arrives with issue 7 (perm",
}
PLACEHOLDERS = [
    ("studio", "tui.panes.studio:StudioPane", "DataStudio"),
    ("ops", "tui.panes.placeholder:OpsPane", "Operation Center"),
    ("map", "tui.panes.placeholder:MapPane", "Data Map"),
    ("approvals", "tui.panes.placeholder:ApprovalsPane", "Approvals"),
]
OPTIONS: dict[str, Any] = {"placeholders": False, "pace": 0.05}
# The bytes a terminal sends for the default pane chords ctrl+t, ctrl+o, ctrl+n, ctrl+l.
KEYS = {"studio": b"\x14", "ops": b"\x0f", "map": b"\x0e", "approvals": b"\x0c"}


def app_command(stock_footer: bool = False) -> list[str]:
    from engine.cli import COMMANDS

    if OPTIONS["placeholders"] or stock_footer:
        code = ""
        if OPTIONS["placeholders"]:
            code += f"import tui.panes as p; p.PANES[:] = {PLACEHOLDERS!r}; "
        if stock_footer:
            code += "import tui.app as a, textual.widgets as w; a.KeyFooter = w.Footer; "
        return [PYTHON, "-c", code + "from engine.cli.app_cmd import app; app()"]
    if "app" in COMMANDS:
        return [str(Path(PYTHON).parent / "maxworks"), "app"]
    return [PYTHON, "-c", "from engine.cli.app_cmd import app; app()"]


class Terminal:
    """The app in a pseudo-terminal; ``wait_for`` reads the screen stream until a marker shows."""

    def __init__(
        self,
        cwd: Path,
        env: dict[str, str],
        size: tuple[int, int] = (80, 24),
        command: list[str] | None = None,
    ) -> None:
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command or app_command(), cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.buffer = b""

    def cpu(self) -> float:
        """CPU seconds the app has used (user + system, all threads; 10 ms ticks)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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

    def drain(self, quiet: float = 0.15, limit: float = 3.0) -> None:
        """Read until the app is quiet for ``quiet`` s (at most ``limit`` s: a blinking cursor
        writes twice a second)."""
        deadline = time.monotonic() + limit
        while select.select([self.master], [], [], quiet)[0] and time.monotonic() < deadline:
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


class Switches:
    """One app in a terminal, cycling map -> approvals -> studio -> ops; ``cycle`` times one round
    (keypress to the new pane's text). ``node``: opened in DataStudio first (the studio marker is
    then its properties' first line)."""

    CYCLE = ("map", "approvals", "studio", "ops")

    def __init__(
        self,
        ws: Path,
        base: Path,
        node: str | None = None,
        *,
        stock_footer: bool = False,
        source: Path | None = None,
    ) -> None:
        self.markers = dict(MARKERS)
        env = environment(base, "ops" if node is None else "studio")
        if source is not None:  # the app's code from another tree (an older commit)
            env["PYTHONPATH"] = str(source)
        self.term = Terminal(ws, env, command=app_command(stock_footer))
        self.first: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # CPU seconds spent per destination, over the cycles
        try:
            self._start(node)
        except BaseException:
            self.term.close()
            raise

    def _start(self, node: str | None) -> None:
        term = self.term
        if node is None:
            term.wait_for(MARKERS["ops"])
        else:
            term.wait_for(MARKERS["studio"])
            term.drain(0.3)
            term.send(b":")
            term.wait_for(b":approvals")  # command mode lists the commands
            term.send(f"node {node}\r".encode())
            self.markers["studio"] = f"{node} \u00b7 ".encode()  # the properties form
            term.wait_for(self.markers["studio"])
            term.drain(0.3)
            term.send(KEYS["ops"])
            term.wait_for(MARKERS["ops"])
        term.drain()
        self.first = {p: t for p, t in self.cycle().items() if p != "ops" or node is not None}
        self.cpu.clear()

    def cycle(self) -> dict[str, float]:
        out = {}
        for pane in self.CYCLE:
            before = self.term.cpu()
            self.term.send(KEYS[pane])
            out[pane] = self.term.wait_for(self.markers[pane])
            self.term.drain(OPTIONS["pace"])
            self.cpu[pane] = self.cpu.get(pane, 0.0) + self.term.cpu() - before
        return out

    def close(self) -> None:
        self.term.close()


def switches_in_terminal(
    ws: Path, base: Path, count: int, node: str | None = None
) -> dict[str, list[float]]:
    """Cycle through the panes; the first visit of each builds it and is reported apart."""
    run = Switches(ws, base, node)
    out: dict[str, list[float]] = {pane: [] for pane in Switches.CYCLE}
    try:
        for _ in range(max(1, count // len(Switches.CYCLE))):
            for pane, took in run.cycle().items():
                out[pane].append(took)
    finally:
        run.close()
    for pane, took in run.first.items():
        print(f"first visit of {pane:<10} (import + build) {took * 1000:8.1f} ms")
    return out


def footer_ab(
    ws: Path, base: Path, count: int, node: str | None, before: Path | None = None
) -> dict[str, dict[str, list[float]]]:
    """The same switches in two apps, alternating round by round: Textual's Footer vs KeyFooter,
    or (``before``) the app of another source tree vs this one."""
    import shutil

    runs: dict[str, Switches] = {}
    variants = (
        [(f"before: {before}", False, before), ("after: this tree", False, None)]
        if before is not None
        else [("before: Textual Footer", True, None), ("after: KeyFooter", False, None)]
    )
    try:
        for i, (name, stock, source) in enumerate(variants):
            copy = base / f"ab-{i}"
            if not copy.exists():
                shutil.copytree(ws, copy, ignore=shutil.ignore_patterns("*.lock", "drafts"))
            runs[name] = Switches(copy, base, node, stock_footer=stock, source=source)
        out = {name: {pane: [] for pane in Switches.CYCLE} for name in runs}
        names = list(runs)
        rounds = max(1, count // len(Switches.CYCLE))
        for i in range(rounds):
            for name in names if i % 2 == 0 else names[::-1]:
                for pane, took in runs[name].cycle().items():
                    out[name][pane].append(took)
        for name, run in runs.items():  # load-independent: the app's own CPU time
            print(
                f"{name}: app CPU per switch (mean, 10 ms ticks): "
                + ", ".join(f"-> {p} {t / rounds * 1000:.1f} ms" for p, t in run.cpu.items())
            )
        return out
    finally:
        for run in runs.values():
            run.close()


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
    parser.add_argument(
        "--placeholders", action="store_true", help="other panes as placeholders (see above)"
    )
    parser.add_argument("--workspace", type=Path, help="an existing workspace (e.g. the demo)")
    parser.add_argument("--node", help="open this node in DataStudio before switching")
    parser.add_argument("--no-first-frame", action="store_true", help="only the switches")
    parser.add_argument(
        "--ab-footer", action="store_true", help="Textual's Footer vs KeyFooter, side by side"
    )
    parser.add_argument(
        "--before-tree",
        type=Path,
        help="with --ab-footer: compare with the app of this source tree instead (e.g. "
        "`git archive COMMIT | tar -x -C DIR`)",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.05,
        help="seconds of quiet output awaited after a switch before the next key (default 0.05: "
        "back to back; 0.2 is closer to a person, and lets the app finish what a switch left)",
    )
    args = parser.parse_args()
    OPTIONS["placeholders"] = args.placeholders
    if args.placeholders:
        MARKERS.update(PLACEHOLDER_MARKERS)
    OPTIONS["pace"] = args.pace
    sys.path.insert(0, str(ROOT))
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_tui_"))
    base.mkdir(parents=True, exist_ok=True)
    ws = args.workspace.resolve() if args.workspace else make_workspace(base)
    print(f"workspace {ws}; command: {' '.join(app_command())}")
    ok = True
    for start in () if args.no_first_frame else ("ops", "studio"):
        ok &= report(
            f"first frame, start on {start} (pty 80x24)",
            first_frames(ws, base, start, args.repeat),
            1.0,
        )
    source = {"map": "ops", "approvals": "map", "studio": "approvals", "ops": "studio"}
    if args.ab_footer:
        ab = footer_ab(ws, base, args.switches, args.node, args.before_tree)
        for name, panes in ab.items():
            print(name)
            for pane, samples in panes.items():
                report(f"  switch {source[pane]} -> {pane} (pty)", samples, 0.05)
            report("  any pane switch (pty)", [t for v in panes.values() for t in v], 0.05)
        return 0
    per_pane = switches_in_terminal(ws, base, args.switches, args.node)
    for pane, samples in per_pane.items():
        ok &= report(f"switch {source[pane]} -> {pane}, keypress to screen (pty)", samples, 0.05)
    everything = [t for samples in per_pane.values() for t in samples]
    ok &= report("any pane switch, keypress to screen (pty)", everything, 0.05)
    return 0 if ok or not args.strict else 2


if __name__ == "__main__":
    raise SystemExit(main())
