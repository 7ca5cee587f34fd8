"""The download dialog: asks before fetching a full-size dataset, then shows the
download's progress (bytes, rate, ETA) and can cancel it.

The transfer runs in a thread worker owned by this dialog; ``download_dataset`` checks
the cancel event between chunks and keeps what it fetched, so a later download resumes.
Dismissed with True once the dataset is verified in the cache, else False.
"""

from __future__ import annotations

import threading
import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from ...datasets import DOWNLOADABLE, DownloadCancelled, DownloadError, dataset_status, download_dataset
from ...datasets.cache import human_bytes
from ..styles import css_path
from .dashboard_screen import DashboardScreen


class DownloadProgress(Message):
    def __init__(self, done: int, total: int, file_name: str) -> None:
        super().__init__()
        self.done, self.total, self.file_name = done, total, file_name

    def can_replace(self, message: Message) -> bool:   # only the latest figure matters
        return isinstance(message, DownloadProgress)


class DownloadEnded(Message):
    def __init__(self, ok: bool, error: str = "", cancelled: bool = False) -> None:
        super().__init__()
        self.ok, self.error, self.cancelled = ok, error, cancelled


class DownloadScreen(DashboardScreen, ModalScreen[bool]):
    CSS_PATH = css_path("download.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="download-cancel"),
        Binding("enter", "download", "Download", id="download-go", show=False),
    ]

    def __init__(self, name: str, data_dir: str | None = None) -> None:
        """Download ``name`` into ``data_dir`` (None: the default cache directory)."""
        super().__init__()
        self.dataset_name = name
        self.data_dir = data_dir
        self.status = dataset_status(name, data_dir)
        self.cancel_event = threading.Event()
        self.state = "asking"      # asking | downloading | cancelling | failed
        self._started = 0.0

    def compose(self) -> ComposeResult:
        spec = DOWNLOADABLE[self.dataset_name]
        with Vertical(id="download-dialog", classes="panel"):
            yield Static(f"[b]{spec.title}[/]", id="download-title")
            # scrolls (arrows, page keys) when a failure names more files and URLs than fit
            with VerticalScroll(id="download-body", can_focus=True):
                yield Static(f"{human_bytes(self.status.download_bytes)} to download into\n"
                             f"{self.status.path}\nfrom its public mirrors, each file checked against its "
                             f"published checksum. Download it now?", id="download-text")
            yield ProgressBar(total=max(self.status.total_bytes, 1), show_eta=False, id="download-bar")
            yield Static("", id="download-figures", markup=False)
            with Horizontal(id="download-buttons"):
                yield Button("Download", id="download-go", variant="primary", compact=True)
                yield Button("Cancel", id="download-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#download-bar").display = False
        self.query_one("#download-go", Button).focus()

    # ---------------------------------------------------------------- actions
    @on(Button.Pressed, "#download-go")
    def action_download(self) -> None:
        if self.state != "asking":
            return
        self.state = "downloading"
        self._started = time.monotonic()
        self.query_one("#download-go", Button).display = False
        self.query_one("#download-bar").display = True
        self.query_one("#download-text", Static).update(f"Downloading into {self.status.path} ...")
        self._download()

    @on(Button.Pressed, "#download-cancel")
    def action_cancel(self) -> None:
        if self.state == "downloading":
            self.state = "cancelling"
            self.cancel_event.set()
            self.query_one("#download-figures", Static).update("cancelling...")
        elif self.state in ("asking", "failed"):
            self.dismiss(False)

    @work(thread=True, exclusive=True, group="download", exit_on_error=False, description="download")
    def _download(self) -> None:
        try:
            download_dataset(self.dataset_name, self.data_dir, cancel=self.cancel_event,
                             progress=lambda done, total, name: self.post_message(DownloadProgress(done, total, name)))
        except DownloadCancelled:
            self.post_message(DownloadEnded(False, cancelled=True))
        except DownloadError as exc:
            self.post_message(DownloadEnded(False, str(exc)))
        except Exception as exc:   # the dialog must report, not crash the app
            self.post_message(DownloadEnded(False, f"{exc.__class__.__name__}: {exc}"))
        else:
            self.post_message(DownloadEnded(True))

    # --------------------------------------------------------------- messages
    @on(DownloadProgress)
    def _progress(self, message: DownloadProgress) -> None:
        self.query_one("#download-bar", ProgressBar).update(total=max(message.total, 1), progress=message.done)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = message.done / elapsed
        eta = (message.total - message.done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:.0f} s left" if eta != float("inf") else "--"
        self.query_one("#download-figures", Static).update(
            f"{human_bytes(message.done)} of {human_bytes(message.total)}  {human_bytes(rate)}/s  "
            f"{eta_text}  ({message.file_name})")

    @on(DownloadEnded)
    def _ended(self, message: DownloadEnded) -> None:
        if message.ok:
            self.dismiss(True)
            return
        if message.cancelled:
            self.app.notify("Download cancelled; what was fetched is kept and the next download resumes it.",
                            timeout=5)
            self.dismiss(False)
            return
        self.state = "failed"
        self.query_one("#download-bar").display = False
        self.query_one("#download-figures", Static).update("")
        self.query_one("#download-text", Static).update(message.error.replace("[", r"\["))
        self.query_one("#download-cancel", Button).label = "Close"
        body = self.query_one("#download-body", VerticalScroll)
        body.scroll_home(animate=False)
        body.focus()
