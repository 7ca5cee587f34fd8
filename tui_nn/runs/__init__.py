"""Training runs as durable records: one folder per run in a runs directory.

- store.py     the runs directory: create, list (cheaply), open, rename, delete, export
- recorder.py  the trainer-event callback that writes a run as it trains, crash-safely
"""

from .recorder import RunRecorder
from .store import RunInfo, RunStore, RunStoreError

__all__ = ["RunInfo", "RunRecorder", "RunStore", "RunStoreError"]
