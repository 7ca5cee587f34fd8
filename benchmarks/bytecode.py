"""Start-up figures measure the package as a user has it: installed by pip, which writes
each module's bytecode at install time. A development tree may have none (an editable
install run with PYTHONDONTWRITEBYTECODE=1, as on the machines these figures come from), and
then every start compiles every module from source again: 0.05-0.1 s more per process."""

from __future__ import annotations

import compileall
import os


def compile_package(tree: str | None = None) -> None:
    """Write the bytecode of ``tree``'s tui_nn (None: the tui_nn this process imports), as
    ``pip install`` does; Python then reads it whatever PYTHONDONTWRITEBYTECODE says."""
    if tree is None:
        import tui_nn
        package = os.path.dirname(os.path.abspath(tui_nn.__file__))
    else:
        package = os.path.join(tree, "tui_nn")
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")
