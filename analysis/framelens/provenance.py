"""Provenance records: what produced an output (corpus, lexicon, parameters, versions).

Every table framelens returns carries one in ``DataFrame.attrs["framelens"]``; every file it writes
carries one (a manifest, a report header, a model card).
"""
from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ._version import __version__

KEY_LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "nltk", "matplotlib", "seaborn", "pyarrow")


def library_versions(names: tuple[str, ...] = KEY_LIBRARIES) -> dict[str, str]:
    """Installed versions of the libraries whose behaviour shapes framelens' numbers.

    Read from the package metadata once per process (a scan of ``site-packages`` each time
    otherwise); a fresh dict is returned on every call.
    """
    return dict(_versions(tuple(names)))


@functools.lru_cache(maxsize=8)
def _versions(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for name in names:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value) if not hasattr(value, "provenance") else value.provenance()


def provenance(corpus: Any = None, lexicon: Any = None, params: dict | None = None, *, versions: bool = True) -> dict:
    """Build a provenance record.

    Parameters
    ----------
    corpus : Corpus, optional
        Recorded as its name, number of documents and SHA-256 fingerprint, and the clock of its
        dates (``timezone``, as :func:`framelens.read_corpus` was given it) when known.
    lexicon : Lexicon, optional
        Recorded as name, version and SHA-256 fingerprint.
    params : dict, optional
        The parameters of the computation (seeds included); values are made JSON-safe.
    versions : bool
        Add framelens' version and those of the key libraries.

    Examples
    --------
    >>> from framelens.provenance import provenance
    >>> provenance(params={"by": "source", "seed": 0}, versions=False)
    {'params': {'by': 'source', 'seed': 0}}
    """
    record: dict[str, Any] = {}
    if corpus is not None:
        record["corpus"] = corpus.provenance()
    if lexicon is not None:
        record["lexicon"] = lexicon.provenance()
    if params is not None:
        record["params"] = _jsonable(params)
    if versions:
        record["framelens_version"] = __version__
        record["python"] = platform.python_version()
        record["libraries"] = library_versions()
    return record


def attach(df, record: dict):
    """Attach a provenance record to a DataFrame (``df.attrs["framelens"]``) and return it."""
    df.attrs["framelens"] = record
    return df
