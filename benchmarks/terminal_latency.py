"""How fast the dashboard feels in a real terminal: key to screen, first paint, bytes written.

    python benchmarks/terminal_latency.py [--rounds 8] [--paints 5] [--data DIR] [--size 80x24]

Goals (issue 11): every footer key of the setup, training, runs and inspection screens shows
its effect within 50 ms at the 95th percentile while the default preset trains, and the first
screen is drawn within 1.5x the time a minimal Textual app takes, in the same run.

Method
------
The real ``scratchnet-tui`` (``python -m tui_nn``) runs in a tmux pane of the given size on a
private tmux server (``tmux -L``), with a temporary HOME, config directory and runs directory,
so nothing of the user's is touched. A key is sent with ``tmux send-keys``; the screen is read
with ``tmux capture-pane -p -e`` (text and colours) every 2 ms until the key's effect shows:
on a screen that is otherwise still (setup, runs, inspection) any change from the screen as it
was before the key, which is first left to settle; on the training screen, which redraws itself
all the time, a text the key must bring (``paused``, the help's footer, ...). A key whose effect
does not show within ``--timeout`` seconds is reported as missed, never waited on for ever.
The same harness drives ``benchmarks/minimal_textual_app.py`` (header, one line, footer) as the
floor: its ``t`` key and its first paint.

*First paint* is the time from asking tmux to start the program to the first capture whose
screen holds the footer's text (the first full frame), alternately for the floor and the
dashboard, ``--paints`` times each.

*Training*: the default preset (784-512-256-10, Adam, mini-batch 64) trains on full
Fashion-MNIST (``--data``, ``$SCRATCHNET_FASHION_MNIST`` or ``../shared/datasets/fashion-mnist``;
without it, on the embedded sample for 1,000 epochs). The keys are measured once idle, before
training starts, and again while it trains. The runs directory holds one finished run (trained
on the sample by ``scratchnet-tui train`` first) to open the inspection screens on.

*Bytes per second*: ``tmux pipe-pane`` counts what the dashboard writes to the terminal over
``--bytes-seconds`` seconds on the training screen.

Timings on a shared machine are noisy: the script prints ``uptime`` before and after.
The capture itself takes a few milliseconds (a tmux client process per poll), in the floor too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bytecode import compile_package

REPO = Path(__file__).resolve().parents[1]
FLOOR_APP = REPO / "benchmarks" / "minimal_textual_app.py"
ENV_VAR = "SCRATCHNET_FASHION_MNIST"
P95_GOAL_MS = 50.0
PAINT_GOAL_RATIO = 1.5
POLL_S = 0.002
HELP_TITLE = "escape closes this help"


def find_data(arg: str | None) -> Path | None:
    for candidate in (arg, os.environ.get(ENV_VAR), str(REPO.parent / "shared" / "datasets" / "fashion-mnist")):
        if candidate and (Path(candidate) / "train-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    return None


class Pane:
    """One program in a pane of a private tmux server."""

    def __init__(self, server: str, width: int, height: int, env: dict[str, str]):
        self.server, self.width, self.height, self.env = server, width, height, env
        self.session = None

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.server, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], name: str) -> float:
        """Start ``command`` in a new session; returns the time it was asked for."""
        self.stop()
        exports = " ".join(f"{k}={_quote(v)}" for k, v in self.env.items())
        # The shell stays after the program so an early exit is seen, not a vanished pane.
        line = f"env {exports} {' '.join(_quote(c) for c in command)}; echo EXITED $?; sleep 600"
        started = time.perf_counter()
        # In the repository: ``python -m`` puts the working directory first on sys.path.
        self.tmux("new-session", "-d", "-s", name, "-c", str(REPO), "-x", str(self.width),
                  "-y", str(self.height), line)
        self.session = name
        return started

    def stop(self) -> None:
        if self.session is not None:
            self.tmux("kill-session", "-t", self.session, check=False)
            self.session = None

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-e", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def wait(self, until: Callable[[str], bool], timeout: float) -> tuple[float | None, str]:
        """Poll until ``until(screen)``; (seconds waited, or None on timeout; last screen)."""
        start = time.perf_counter()
        screen = ""
        while time.perf_counter() - start < timeout:
            screen = self.screen()
            if until(screen):
                return time.perf_counter() - start, screen
            time.sleep(POLL_S)
        return None, screen

    def settle(self, quiet: float = 0.15, timeout: float = 3.0) -> str:
        """The screen once its text has not changed for ``quiet`` seconds (or after ``timeout``)."""
        start = last_change = time.perf_counter()
        screen = plain(self.screen())
        while time.perf_counter() - start < timeout:
            time.sleep(0.01)
            now = plain(self.screen())
            if now != screen:
                screen, last_change = now, time.perf_counter()
            elif time.perf_counter() - last_change >= quiet:
                break
        return screen


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def plain(screen: str) -> str:
    """The screen's text without colour escapes."""
    out, i = [], 0
    while i < len(screen):
        if screen[i] == "\x1b":
            j = i + 1
            if j < len(screen) and screen[j] == "[":
                j += 1
                while j < len(screen) and not ("@" <= screen[j] <= "~"):
                    j += 1
            i = j + 1
            continue
        out.append(screen[i])
        i += 1
    return "".join(out)


def footer(screen: str) -> str:
    lines = [line for line in plain(screen).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def shows(text: str) -> Callable[[str], bool]:
    return lambda screen: text in plain(screen)


def hides(text: str) -> Callable[[str], bool]:
    return lambda screen: text not in plain(screen)


def footer_shows(text: str) -> Callable[[str], bool]:
    return lambda screen: text in footer(screen)


@dataclass
class Step:
    """One key and how its effect is recognised: ``until`` on the screen, or (None) any change
    from the settled screen before the key."""
    label: str
    key: str
    until: Callable[[str], bool] | None = None


class Recorder:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.times: dict[str, list[float]] = {}
        self.missed: dict[str, int] = {}

    def run(self, pane: Pane, steps: list[Step], *, settle: bool) -> None:
        for step in steps:
            before = plain(pane.settle() if settle else pane.screen())
            # Text only: a blinking cursor changes colours twice a second (theme steps look at
            # the footer's colours instead).
            until = step.until or (lambda screen, before=before: plain(screen) != before)
            pane.keys(step.key)
            waited, _ = pane.wait(until, self.timeout)
            if waited is None:
                self.missed[step.label] = self.missed.get(step.label, 0) + 1
                print(f"  missed: {step.label} (nothing showed within {self.timeout:.1f} s)", file=sys.stderr)
            else:
                self.times.setdefault(step.label, []).append(waited * 1000)
            if not settle:
                time.sleep(0.05)

    def rows(self) -> list[dict]:
        out = []
        for label in dict.fromkeys([*self.times, *self.missed]):
            values = sorted(self.times.get(label, []))
            out.append({"key": label, "n": len(values), "missed": self.missed.get(label, 0),
                        "p50": percentile(values, 50), "p95": percentile(values, 95),
                        "max": values[-1] if values else None})
        return out


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "(uptime unavailable)"


# ------------------------------------------------------------------ scenarios
def setup_steps() -> list[Step]:
    return [Step("setup f1 (help)", "F1", shows(HELP_TITLE)), Step("setup esc (close help)", "Escape", hides(HELP_TITLE)),
            Step("setup f2 (runs)", "F2", footer_shows("Mark")),
            Step("setup esc (close runs)", "Escape", footer_shows("Start training")),
            Step("setup ^t (theme)", "C-t", None), Step("setup ^t (theme back)", "C-t", None)]


def runs_steps() -> list[Step]:
    """On the runs screen, the finished run highlighted (second row: the newest is first)."""
    return [Step("runs space (mark)", "Space"), Step("runs space (unmark)", "Space"),
            Step("runs s (sort)", "s"), Step("runs S (reverse)", "S"),
            Step("runs / (filter)", "/"), Step("runs esc (leave filter)", "Escape"),
            Step("runs v (charts)", "v"), Step("runs esc (close charts)", "Escape"),
            Step("runs e (export)", "e"), Step("runs esc (close export)", "Escape"),
            Step("runs c (compare)", "c")]


def inspect_steps() -> list[Step]:
    return [Step("inspect r (render)", "r"), Step("inspect j (next)", "j"), Step("inspect k (previous)", "k"),
            Step("inspect s (sort)", "s"),
            Step("inspect ? (keys)", "?"), Step("inspect esc (close keys)", "Escape"),
            Step("inspect 2 (confusion)", "2"), Step("inspect 3 (draw)", "3"),
            Step("inspect 4 (weights)", "4"), Step("inspect 1 (mistakes)", "1")]


def training_steps() -> list[Step]:
    back = footer_shows("Setup")
    return [Step("training p (pause)", "p", shows("paused")),
            Step("training p (resume)", "p", shows("running")),
            Step("training f1 (help)", "F1", shows(HELP_TITLE)),
            Step("training esc (close help)", "Escape", hides(HELP_TITLE)),
            Step("training f2 (runs)", "F2", footer_shows("Mark")),
            Step("training esc (close runs)", "Escape", back),
            Step("training b (asks)", "b", shows("Keep training")),
            Step("training n (keep training)", "n", hides("Keep training")),
            # the quit question's answer is "Keep going" (b's is "Keep training")
            Step("training ^q (asks)", "C-q", shows("Keep going")),
            Step("training n (keep, after ^q)", "n", hides("Keep going")),
            Step("training ^t (theme)", "C-t", None), Step("training ^t (theme back)", "C-t", None)]


def theme_step_until(pane: Pane) -> Callable[[str], bool]:
    """The training screen never settles: a theme switch shows as the footer's colours changing."""
    before = pane.screen().splitlines()[-1]
    return lambda screen: screen.splitlines()[-1] != before


def run_with_theme_steps(pane: Pane, recorder: Recorder, steps: list[Step], settle: bool) -> None:
    for step in steps:
        if step.until is None:
            if settle:
                pane.settle()
            step = Step(step.label, step.key, theme_step_until(pane))
        recorder.run(pane, [step], settle=settle)


def open_runs_on_finished(pane: Pane, timeout: float) -> None:
    """F2 from setup or training, then the second row (the finished run). The runs screen
    keeps its sort between openings (and the runs steps change it): back to newest first."""
    pane.keys("F2")
    pane.wait(footer_shows("Mark"), timeout)
    pane.settle()
    for _ in range(40):
        shown = plain(pane.screen())
        if "by date \u25bc" in shown:
            break
        pane.keys("S" if "by date \u25b2" in shown else "s")
        pane.settle()
    pane.keys("Home")
    pane.keys("Down")
    pane.settle()


def to_first_image(pane: Pane) -> None:
    """Home in the mistakes list, unmeasured, so that j has a row to move to: the screen keeps
    its image across a sort (the most confident first becomes the last of "least confident
    first") and across rounds."""
    pane.keys("Home")
    pane.settle()


def open_inspection(pane: Pane, timeout: float) -> bool:
    pane.keys("i")
    waited, _ = pane.wait(footer_shows("Keys"), timeout * 4)
    return waited is not None


def leave_to(pane: Pane, text: str, timeout: float) -> None:
    """Escape until the footer shows ``text`` (e.g. back to the setup or training screen)."""
    for _ in range(6):
        if text in footer(pane.screen()):
            return
        pane.keys("Escape")
        pane.wait(footer_shows(text), timeout)


def measure_paints(width: int, height: int, env: dict[str, str], server: str, paints: int,
                   dashboard: list[str], floor: list[str], timeout: float) -> dict[str, list[float]]:
    result = {"floor": [], "dashboard": []}
    for i in range(paints):
        for name, command, marker in (("floor", floor, "Toggle"), ("dashboard", dashboard, "Start training")):
            pane = Pane(server, width, height, env)
            started = pane.start(command, f"paint-{name}-{i}")
            waited = None
            while time.perf_counter() - started < timeout * 10:
                if marker in plain(pane.screen()):
                    waited = time.perf_counter() - started
                    break
                time.sleep(POLL_S)
            if waited is None:
                print(f"  {name}: no first paint within {timeout * 10:.0f} s", file=sys.stderr)
            else:
                result[name].append(waited * 1000)
            pane.stop()
    return result


def measure_floor_keys(pane: Pane, rounds: int, recorder: Recorder) -> None:
    for _ in range(rounds):
        recorder.run(pane, [Step("floor t (toggle)", "t"), Step("floor esc (toggle)", "Escape")], settle=True)


def count_bytes(pane: Pane, seconds: float, directory: Path) -> float:
    """Bytes per second the program writes to its terminal, over ``seconds``."""
    sink = directory / "pane-bytes"
    sink.write_bytes(b"")
    pane.tmux("pipe-pane", "-o", "-t", pane.session, f"cat >> {_quote(str(sink))}")
    time.sleep(seconds)
    pane.tmux("pipe-pane", "-t", pane.session)
    time.sleep(0.1)
    return sink.stat().st_size / seconds


def prepare(tmp: Path, data: Path | None, epochs: int) -> dict[str, str]:
    home, config, runs = tmp / "home", tmp / "config", tmp / "runs"
    for folder in (home, config, runs):
        folder.mkdir(parents=True)
    env = {"HOME": str(home), "SCRATCHNET_CONFIG_DIR": str(config), "SCRATCHNET_RUNS_DIR": str(runs),
           "PYTHONPATH": str(REPO), "TERM": os.environ.get("TERM_FOR_BENCH", "xterm-256color"),
           "COLORTERM": "truecolor", "TEXTUAL_ANIMATIONS": os.environ.get("TEXTUAL_ANIMATIONS", "full"),
           "PATH": os.environ.get("PATH", "")}
    # One finished run to open the runs and inspection screens on.
    subprocess.run([sys.executable, "-m", "tui_nn", "train", "--dataset", "mnist-sample", "--hidden", "32",
                    "--epochs", "2", "--runs-dir", str(runs)], env={**os.environ, **env},
                   check=True, capture_output=True)
    sys.path.insert(0, str(REPO))
    from tui_nn.training.presets import PRESETS

    preset = PRESETS["default"].config
    config_now = (preset.with_changes(dataset=str(data)) if data is not None
                  else preset.with_changes(epochs=epochs))
    (config / "last_config.json").write_text(json.dumps(config_now.to_dict()), encoding="utf-8")
    return env


def print_paints(paints: dict[str, list[float]], count: int) -> None:
    floor_paint = statistics.median(paints["floor"]) if paints["floor"] else None
    dash_paint = statistics.median(paints["dashboard"]) if paints["dashboard"] else None
    if floor_paint and dash_paint:
        print(f"\nfirst paint, median of {count}: floor {floor_paint:.0f} ms, dashboard {dash_paint:.0f} ms"
              f" ({dash_paint / floor_paint:.2f}x; goal <= {PAINT_GOAL_RATIO}x)")
        print("  floor " + " ".join(f"{v:.0f}" for v in paints["floor"])
              + " | dashboard " + " ".join(f"{v:.0f}" for v in paints["dashboard"]))
    else:
        print(f"\nfirst paint: {paints}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="times each key sequence is measured")
    parser.add_argument("--paints", type=int, default=5, help="first paints measured per program")
    parser.add_argument("--data", help="Fashion-MNIST IDX directory")
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a key counts as missed")
    parser.add_argument("--bytes-seconds", type=float, default=10.0)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--paint-only", action="store_true", help="measure the first paints only")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed: skipped.")
        return 0
    width, height = (int(v) for v in args.size.split("x"))
    data = find_data(args.data)
    compile_package()
    print(f"load before: {uptime()}")
    print(f"training on: {data if data else 'the embedded sample (Fashion-MNIST not found)'}")
    server = f"scratchnet-bench-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="terminal-latency-") as tmp_name:
        tmp = Path(tmp_name)
        env = prepare(tmp, data, epochs=1000)
        dashboard = [sys.executable, "-m", "tui_nn"]
        floor = [sys.executable, str(FLOOR_APP)]
        # A session that lives for the whole run: the server exits with its last session,
        # and a new session asked for meanwhile would fail.
        subprocess.run(["tmux", "-L", server, "-f", "/dev/null", "new-session", "-d", "-s", "keeper",
                        "sleep 3600"], check=True)
        try:
            paints = measure_paints(width, height, env, server, args.paints, dashboard, floor, args.timeout)
            if args.paint_only:
                print_paints(paints, args.paints)
                return 0
            idle, busy = Recorder(args.timeout), Recorder(args.timeout)

            # The floor's Escape shows Textual's own driver: a lone Escape is known once
            # nothing follows it, and that driver looks every 100 ms (tui/driver.py)
            pane = Pane(server, width, height, env)
            pane.start(floor, "floor")
            pane.wait(shows("Toggle"), 10)
            measure_floor_keys(pane, args.rounds * 4, idle)
            pane.stop()

            pane.start(dashboard, "dashboard")
            pane.wait(shows("Start training"), 20)
            for _ in range(args.rounds):
                run_with_theme_steps(pane, idle, setup_steps(), settle=True)
            open_runs_on_finished(pane, args.timeout)
            for _ in range(args.rounds):
                idle.run(pane, runs_steps(), settle=True)
                leave_to(pane, "Mark", args.timeout)
            open_runs_on_finished(pane, args.timeout)
            if open_inspection(pane, args.timeout):
                for _ in range(args.rounds):
                    to_first_image(pane)
                    idle.run(pane, inspect_steps(), settle=True)
            leave_to(pane, "Start training", args.timeout)

            # Train: the form holds the default preset; the dataset loads, then ctrl+r starts.
            pane.wait(hides("still loading"), 60)
            pane.keys("C-r")
            if pane.wait(shows("running"), 60)[0] is None:
                print("training did not start: " + footer(pane.screen()), file=sys.stderr)
                return 1
            pane.wait(shows("Epoch    1 /"), 120)   # past the first epoch's warm-up
            bytes_per_s = count_bytes(pane, args.bytes_seconds, tmp)
            for _ in range(args.rounds):
                run_with_theme_steps(pane, busy, training_steps(), settle=False)
            for _ in range(args.rounds):
                open_runs_on_finished(pane, args.timeout)
                busy.run(pane, runs_steps(), settle=True)
                leave_to(pane, "Setup", args.timeout)
            open_runs_on_finished(pane, args.timeout)
            if open_inspection(pane, args.timeout):
                for _ in range(args.rounds):
                    to_first_image(pane)
                    busy.run(pane, inspect_steps(), settle=True)
            pane.stop()
        finally:
            subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True, check=False)

    print(f"load after:  {uptime()}")
    print_paints(paints, args.paints)
    print(f"bytes written to the terminal while training: {bytes_per_s / 1000:.1f} KB/s")
    report = {"paints_ms": paints, "bytes_per_s": bytes_per_s, "size": args.size, "load": uptime()}
    worst = 0.0
    for title, recorder in (("idle (nothing training)", idle), ("while the default preset trains", busy)):
        print(f"\nkey to screen, {title}  [ms]")
        print(f"  {'key':34} {'n':>3} {'p50':>7} {'p95':>7} {'max':>7} missed")
        rows = recorder.rows()
        report[title] = rows
        for row in rows:
            fmt = lambda v: "--" if v is None else f"{v:.0f}"  # noqa: E731
            print(f"  {row['key']:34} {row['n']:>3} {fmt(row['p50']):>7} {fmt(row['p95']):>7} "
                  f"{fmt(row['max']):>7} {row['missed'] or ''}")
            if recorder is busy and row["p95"] is not None:
                worst = max(worst, row["p95"])
    print(f"\nworst p95 while training: {worst:.0f} ms (goal <= {P95_GOAL_MS:.0f} ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
