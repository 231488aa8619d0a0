"""The on-disk cache of :mod:`framelens.matching`: its folder, atomic writes, and compiled
Hyperscan databases.

Compiling a large lexicon for Hyperscan takes ~0.3–1 s and building the code-point tables of
:mod:`framelens._codepoints` ~70 ms, at every process start; both are kept as files under one
folder (``$FRAMELENS_CACHE_DIR``, by default ``~/.cache/framelens``; set it empty to turn the
cache off), databases under ``hyperscan/`` and tables under ``unicode/``. A cache is optional: a
file that is missing, damaged or written for another machine is rebuilt, and a write that fails is
skipped. This module imports nothing from the package, so both users can import it.
"""
from __future__ import annotations

import hashlib
import os
import platform
import tempfile
from pathlib import Path

try:  # optional: wheels exist for x86-64 only
    import hyperscan as _hs
except Exception:  # ImportError, or OSError when the shared library cannot load
    _hs = None

_CACHE_FILES = 32


def _cache_dir() -> Path | None:
    """``$FRAMELENS_CACHE_DIR`` (set empty: no cache) or ``$XDG_CACHE_HOME/framelens``
    (``~/.cache/framelens``)."""
    env = os.environ.get("FRAMELENS_CACHE_DIR")
    if env is not None and not env.strip():
        return None
    return Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "framelens"


def _db_cache_path(exprs: list[bytes], flag: int) -> Path | None:
    """Where the database compiled from these expressions is kept: under ``hyperscan/`` in
    :func:`_cache_dir`, named by the SHA-256 of the Hyperscan version, the machine, the flags and
    the expressions."""
    base = _cache_dir()
    if base is None:
        return None
    h = hashlib.sha256(f"hyperscan {getattr(_hs, '__version__', '?')} {platform.machine()} {flag} {len(exprs)}".encode())
    for expr in exprs:
        h.update(len(expr).to_bytes(8, "little"))
        h.update(expr)
    return base / "hyperscan" / f"{h.hexdigest()}.hsdb"


def _load_db(path: Path):
    """A cached database, or ``None`` (absent, unreadable, or not usable on this CPU: recompile)."""
    try:
        data = path.read_bytes()
        db = _hs.loadb(data, _hs.HS_MODE_BLOCK)
        db.scan(b"\x00", match_event_handler=None, scratch=_hs.Scratch(db))  # checks the platform
        os.utime(path)  # recently used: kept when the cache is pruned
        return db
    except Exception:  # noqa: BLE001 - any failure means: compile instead
        return None


def _store_db(path: Path, db) -> None:
    """Keep a compiled database for the next process, and only the :data:`_CACHE_FILES` most
    recent ones."""
    if _write_cache_file(path, _hs.dumpb(db)):
        try:
            kept = sorted(path.parent.glob("*.hsdb"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[_CACHE_FILES:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def _write_cache_file(path: Path, data: bytes) -> bool:
    """Write a cache file atomically; ``False`` (and nothing left behind) if that fails: a cache
    is optional."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        return True
    except Exception:  # noqa: BLE001 - a read-only or full disk must not stop the matching
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
