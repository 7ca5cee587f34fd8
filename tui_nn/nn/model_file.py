"""The model file: one .npz holding the architecture, the flat parameters, metadata and
any extra parameter sets (such as the best validation epoch's, "best").

    format          "scratchnet-mlp"          what the file is
    format_version  1                         refused if newer than this program's
    architecture    JSON of Architecture      layer sizes, activation, output, ...
    metadata        JSON object               whatever the caller saved (epoch, config, ...)
    params          float32/64 (n_params,)    the weights the network was saved with
    params_<name>   float32/64 (n_params,)    extra parameter sets, loaded with which=<name>

Strings are 0-d unicode arrays and nothing is pickled, so a file can be read without
trusting it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .network import Architecture, Network

MODEL_FORMAT = "scratchnet-mlp"
MODEL_FORMAT_VERSION = 1


class ModelFileError(Exception):
    """A model file is missing, foreign, damaged or does not fit the data."""


def save_model(network: Network, path: str | os.PathLike, *, metadata: dict | None = None,
               extra_params: dict[str, np.ndarray] | None = None, fsync: bool = True) -> None:
    """Write ``network`` (architecture and parameters), ``metadata`` and the parameter
    sets in ``extra_params`` (saved as params_<name>) to one .npz at ``path``, atomically:
    a temporary file is written, flushed and renamed, so a crash never leaves a
    half-written model where a good one was (``fsync`` False: a killed process never
    does, a power cut may)."""
    from ..fileio import atomic_writer

    arrays = {
        "format": np.array(MODEL_FORMAT),
        "format_version": np.array(MODEL_FORMAT_VERSION),
        "architecture": np.array(json.dumps(network.arch.to_dict())),
        "metadata": np.array(json.dumps(metadata or {})),
        "params": network.params,
    }
    for name, value in (extra_params or {}).items():
        arrays[f"params_{name}"] = value
    with atomic_writer(path, binary=True, fsync=fsync) as f:
        np.savez(f, **arrays)


def load_model(path: str | os.PathLike, which: str = "params") -> tuple[Network, dict]:
    """Read a model written by ``save_model``; return (network, metadata).

    ``which`` picks the parameter set: "params" (the saved network's own) or the name
    of an extra set (e.g. "best"). Raises ModelFileError, with a message naming the
    file, for anything that is not such a model, is newer than this program, lacks the
    set, or whose parameters do not match its architecture or are not finite."""
    from ..checked_read import NpzArchive, NpzError, describe_non_file

    path = Path(path)
    problem = describe_non_file(path)
    if problem == "does not exist":
        raise ModelFileError(f"{path}: no such model file")
    if problem is not None:
        raise ModelFileError(f"{path}: {problem}")
    try:
        with NpzArchive(path) as f:
            keys = set(f.names)

            def small(name: str):
                shape, dtype, _, _ = f.header(name)
                if len(shape) != 0:
                    raise ModelFileError(f"{path}: {name} has shape {shape}, expected a single value; "
                                         "not a scratchnet-tui model")
                return f.read(name)

            if "format" not in keys or str(small("format")) != MODEL_FORMAT:
                raise ModelFileError(f"{path}: not a scratchnet-tui model (no '{MODEL_FORMAT}' header)")
            version = int(small("format_version"))
            if version > MODEL_FORMAT_VERSION:
                raise ModelFileError(f"{path}: model format version {version} is newer than this "
                                     f"program's ({MODEL_FORMAT_VERSION}); upgrade scratchnet-tui")
            arch = Architecture.from_dict(json.loads(str(small("architecture"))))
            metadata = json.loads(str(small("metadata")))
            key = "params" if which == "params" else f"params_{which}"
            if key not in keys:
                raise ModelFileError(f"{path}: holds no '{which}' weights")
            # The declared shape is checked against the architecture before any data is read.
            shape, dtype, _, _ = f.header(key)
            size = 1
            for n in shape:
                size *= n
            if len(shape) != 1 or size != arch.n_params or dtype.kind != "f":
                raise ModelFileError(
                    f"{path}: holds {size} {dtype} parameters but its architecture "
                    f"{arch.describe()} needs {arch.n_params} floats; the file is damaged")
            params = f.read(key)
    except ModelFileError:
        raise
    except NpzError as exc:
        raise ModelFileError(f"{path}: {exc}".replace("not a readable .npz (it is", "not a readable model file (it is")) from None
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise ModelFileError(f"{path}: not a readable model file ({exc.__class__.__name__}: {exc})") from None
    if params.ndim != 1 or params.size != arch.n_params or params.dtype.kind != "f":
        raise ModelFileError(
            f"{path}: holds {params.size} {params.dtype} parameters but its architecture "
            f"{arch.describe()} needs {arch.n_params} floats; the file is damaged")
    if not np.all(np.isfinite(params)):
        raise ModelFileError(f"{path}: parameters contain NaN or infinity")
    network = Network(arch, dtype=params.dtype if params.dtype in (np.float32, np.float64) else np.float32)
    network.params[...] = params
    return network, metadata
