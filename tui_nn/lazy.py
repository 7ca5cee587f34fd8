"""Lazy re-exports for a package's ``__init__`` (PEP 562): ``from tui_nn.nn import Network``
keeps working, but importing the package loads none of its modules until a name is asked for.
The dashboard's first screen needs a few light modules of several packages; eager
re-exports made it wait for NumPy, the engine and every dataset reader first."""

from __future__ import annotations

from importlib import import_module
from typing import Callable


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]) -> tuple[Callable, Callable]:
    """(``__getattr__``, ``__dir__``) for ``package``, which re-exports ``exports``:
    submodule name -> the names it provides. Use as
    ``__getattr__, __dir__ = lazy_exports(__name__, {...})``."""
    module_of = {name: module for module, names in exports.items() for name in names}
    namespace = import_module(package).__dict__   # the package being initialised

    def __getattr__(name: str):
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value   # asked once: later look-ups don't come here
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *module_of})

    return __getattr__, __dir__
