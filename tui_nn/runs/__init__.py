"""Training runs as durable records: one folder per run in a runs directory.

- runner.py    the one way to start, continue and record a run (CLI, dashboard, benchmarks)
- store.py     the runs directory (create, list, rename, delete, export) and RunRecord, the
               one reader of a run folder
- recorder.py  the trainer-event callback that writes a run as it trains, crash-safely
"""

from .recorder import RunRecorder
from .runner import Runner, RunSetupError
from .store import RunInfo, RunRecord, RunStore, RunStoreError

__all__ = ["RunInfo", "RunRecord", "RunRecorder", "RunSetupError", "RunStore", "RunStoreError", "Runner"]
