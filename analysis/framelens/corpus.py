"""The corpus: documents with canonical columns, validated once, fingerprinted, cached views.

``read_corpus`` turns files or a DataFrame into a :class:`Corpus` whose ``docs`` table has the columns
``doc_id, source, date, title, text`` followed by any other metadata columns, kept as they are.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError
from .readers import ReadIssue, read_table

if TYPE_CHECKING:
    from .text import SentenceBounds

CANONICAL = ("doc_id", "source", "date", "title", "text")
DATE_BINS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
MISSING_GROUP = "(missing)"


class CorpusWarning(UserWarning):
    """Something in the input was repaired or is suspicious (empty texts, unparseable dates...)."""


class Corpus:
    """Documents with canonical columns, plus metadata and a report of what reading found.

    Build one with :func:`read_corpus`, which accepts any DataFrame or file. ``Corpus(docs)`` itself
    takes a table already in that form and checks it: the canonical columns, ``text`` a str in every
    row, no missing ``doc_id``, ``source`` or ``title``, ``doc_id`` unique, ``date`` naive datetimes
    (NaT when missing); anything else raises :class:`~framelens.errors.InputError` naming the
    column and the first row. ``docs`` is kept as a copy with a fresh 0-based index (a shallow
    copy: pandas' copy-on-write keeps later changes to the caller's table out of it). Derived
    views (texts, fingerprint, sentences, hits) are cached on the object and forgotten when a
    canonical column changes: assigning ``corpus.docs = …`` (checked as at construction), or
    editing ``corpus.docs`` in place (``corpus.docs.loc[0, "text"] = …``; not re-checked).
    Adding a metadata column (``corpus.docs["party"] = …``) keeps them.

    Attributes
    ----------
    docs : pandas.DataFrame
        ``doc_id, source, date, title, text`` then the other metadata columns.
    meta : dict
        Free-form description (``name``, ``fictional``, ``path`` …).
    issues : pandas.DataFrame
        What reading repaired or noticed: ``file, row, field, issue``.

    Examples
    --------
    >>> import pandas as pd, framelens
    >>> c = framelens.read_corpus(pd.DataFrame({"text": ["Rebels said so.", "The army denied it."],
    ...                                         "source": ["A", "B"]}))
    >>> len(c), list(c.docs.columns)
    (2, ['doc_id', 'source', 'date', 'title', 'text'])
    """

    def __init__(self, docs: pd.DataFrame, meta: dict | None = None, issues: Sequence[ReadIssue] = ()):
        self._cached: dict[str, Any] = {}
        self._cached_from: tuple[tuple, bytes] = ((), b"")
        self.docs = docs
        self.meta = dict(meta or {})
        # object columns: a row number stays an int, and "no row" None (a numeric column would make
        # them 20.0 and NaN)
        self.issues = pd.DataFrame([vars(i) for i in issues], columns=["file", "row", "field", "issue"], dtype=object)

    @property
    def docs(self) -> pd.DataFrame:
        """The documents: ``doc_id, source, date, title, text``, then the metadata columns."""
        return self._docs

    @docs.setter
    def docs(self, docs: pd.DataFrame) -> None:
        # Checked as at construction, and everything cached from the former rows (texts, sentences,
        # hits, fingerprint) forgotten: `corpus.docs = corpus.docs[mask]` in a notebook used to keep
        # the former documents' hits and fail in score() on an array of the wrong shape.
        _check_canonical(docs)
        # a shallow copy (copy-on-write: the caller changing their table later changes nothing here,
        # where the fingerprint and texts are cached) with positions as index, as read_corpus makes it
        self._docs = docs.reset_index(drop=True) if not _is_positional(docs.index) else docs.copy(deep=False)
        if self._docs["text"].dtype == object:  # all str (checked): as pandas' str, whose edits _state sees
            self._docs["text"] = self._docs["text"].astype("str")
        self._cached.clear()
        self._cached_from = self._state()

    @property
    def _cache(self) -> dict[str, Any]:
        """What was derived from the canonical columns (texts, fingerprint, sentences, hits …),
        emptied first if they changed since: a notebook that fixes a text in place
        (``corpus.docs.loc[3, "text"] = …``) would otherwise get the former text's hits, sentences
        and fingerprint, or an array of the wrong shape."""
        storage, dates = self._state()
        former_storage, former_dates = self._cached_from
        if dates != former_dates or any(a is not b for a, b in zip(storage, former_storage)):
            self._cached.clear()
            self._cached_from = (storage, dates)
        return self._cached

    def _state(self) -> tuple[tuple, bytes]:
        """The canonical columns' storage, which :attr:`_cache` compares by identity (a few µs; a
        reference is kept, so an id is never reused for other data), and a digest of the dates.

        pandas' Arrow-backed string columns (what :func:`read_corpus` makes of ids, sources, titles
        and texts) replace their Arrow array on every edit, and a replaced column brings new
        storage. An edit inside a NumPy array keeps the array, so the dates count by value too
        (8 bytes a document); an edit inside another NumPy column (ids of a ``Corpus(df)`` given as
        ints or objects) changes only the fingerprint, and goes unseen."""
        docs = self._docs
        if any(name not in docs.columns for name in CANONICAL):
            _check_canonical(docs)  # an InputError naming the column deleted from corpus.docs
        storage = []
        for name in CANONICAL:
            array = docs[name].array
            held = getattr(array, "_pa_array", getattr(array, "_ndarray", None))
            if isinstance(held, np.ndarray):  # NumPy: the array owning the memory the column views
                held = held if held.base is None else held.base
            storage.append(array if held is None else held)  # (another extension array: itself)
        dates = np.ascontiguousarray(docs["date"].to_numpy().view("i8"))
        return tuple(storage), hashlib.blake2b(memoryview(dates), digest_size=16).digest()

    def __getstate__(self) -> dict[str, Any]:
        # A pickle carries the documents, not what was derived from them (hits and sentences can
        # outweigh the texts; the storage compared in _cache is only meaningful in this process).
        return {**self.__dict__, "_cached": {}, "_cached_from": ((), b"")}

    # -- basic views ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.docs)

    @property
    def texts(self) -> list[str]:
        cache = self._cache  # (checked once: see _state)
        if "texts" not in cache:
            cache["texts"] = self.docs["text"].tolist()
        return cache["texts"]

    @property
    def doc_ids(self) -> list[str]:
        return self.docs["doc_id"].tolist()

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical content (ids, sources, dates, titles, texts in order).

        The bytes hashed are, for each document in order, the UTF-8 of ``str(value)`` of its id,
        source, date (``%Y-%m-%dT%H:%M:%S``, empty when missing), title and text, each followed by
        U+001F, then U+001E.
        """
        cache = self._cache
        if "fingerprint" not in cache:
            h = hashlib.sha256()
            columns = [self.docs["doc_id"], self.docs["source"], _iso_seconds(self.docs["date"]), self.docs["title"],
                       self.docs["text"]]
            if not _hash_rows_arrow(h, columns):
                for row in zip(*columns):
                    for value in row:
                        h.update(str(value).encode("utf-8"))
                        h.update(b"\x1f")
                    h.update(b"\x1e")
            cache["fingerprint"] = h.hexdigest()
        return cache["fingerprint"]

    def provenance(self) -> dict:
        """Name, number of documents and fingerprint, and the clock of the dates (``timezone``) when
        :func:`read_corpus` set it: a count per day means another thing on another clock, and the
        fingerprint alone does not say which (dates without a zone read the same on every clock)."""
        record = {"name": self.meta.get("name"), "n_docs": len(self), "sha256": self.fingerprint}
        if self.meta.get("timezone") is not None:
            record["timezone"] = str(self.meta["timezone"])
        return record

    def sentence_spans(self) -> list[list[tuple[int, int]]]:
        """Per document, the (start, end) offsets of its sentences (offline NLTK Punkt).

        Made from :meth:`sentence_bounds` (cached) on each call: the lists take ~116 bytes a
        sentence, the arrays cached 16."""
        return self.sentence_bounds().as_lists()

    def sentence_bounds(self) -> "SentenceBounds":
        """The sentences of every document as flat arrays (:class:`framelens.text.SentenceBounds`),
        split once and cached."""
        cache = self._cache
        if "sentence_bounds" not in cache:
            from .text import sentence_bounds_many

            cache["sentence_bounds"] = sentence_bounds_many(self.texts)
        return cache["sentence_bounds"]

    def subset(self, mask: Any) -> "Corpus":
        """A new Corpus with the rows selected by a boolean mask or index labels."""
        docs = self.docs.loc[mask].reset_index(drop=True)
        return Corpus(docs, {**self.meta, "subset_of": self.fingerprint}, ())

    # -- grouping ---------------------------------------------------------------------------
    def group_frame(self, by: str | Sequence[str]) -> pd.DataFrame:
        """One column per key of ``by`` (a column name or a date bin), aligned with ``docs``."""
        return group_frame(self.docs, by)

    def groups(self, by: str | Sequence[str]) -> pd.Series:
        """Group keys per document as strings (several keys joined by " | ")."""
        return groups(self.docs, by)

    # -- display ----------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Documents, tokens, dates and empty texts per source."""
        from .text import count_tokens

        tokens = np.fromiter((count_tokens(t) for t in self.texts), dtype=np.int64, count=len(self))
        return source_summary(self.docs, tokens, self.docs["text"].str.strip().eq("").to_numpy())

    def __repr__(self) -> str:
        name = self.meta.get("name") or "corpus"
        fictional = " (fictional)" if self.meta.get("fictional") else ""
        return (f"<Corpus {name}{fictional}: {len(self)} documents, {self.docs['source'].nunique()} sources, "
                f"sha256 {self.fingerprint[:12]}…>")

    def _repr_html_(self) -> str:
        name = escape(str(self.meta.get("name") or "corpus"))
        fictional = " <i>(fictional)</i>" if self.meta.get("fictional") else ""
        dates = self.docs["date"].dropna()
        span = f"{dates.min():%Y-%m-%d} – {dates.max():%Y-%m-%d}" if len(dates) else "no dates"
        counts = self.docs["source"].value_counts().head(12)
        rows = "".join(f"<tr><td>{escape(str(s))}</td><td>{n}</td></tr>" for s, n in counts.items())
        more = f"<p>… and {self.docs['source'].nunique() - 12} more sources</p>" if self.docs["source"].nunique() > 12 else ""
        extra = [c for c in self.docs.columns if c not in CANONICAL]
        return (
            f"<div><b>Corpus {name}</b>{fictional}: {len(self)} documents, {self.docs['source'].nunique()} sources, "
            f"{escape(span)}; metadata columns: {escape(', '.join(map(str, extra))) or 'none'}; "
            f"sha256 <code>{self.fingerprint[:16]}…</code>"
            f"<table><thead><tr><th>source</th><th>documents</th></tr></thead><tbody>{rows}</tbody></table>{more}"
            + (f"<p>{len(self.issues)} reading issue(s): see <code>.issues</code></p>" if len(self.issues) else "")
            + "</div>"
        )


# ---------------------------------------------------------------------------------------------
_READ_CORPUS_HINT = "build the corpus with framelens.read_corpus(df), which converts and reports what it cannot read"


def _is_positional(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _check_canonical(docs: pd.DataFrame) -> None:
    """Raise :class:`InputError` (column, first row) unless ``docs`` holds the canonical columns as
    :func:`read_corpus` makes them: every later stage relies on it (the fingerprint formats
    ``date`` as a datetime, matching takes ``text`` as str, results name documents by ``doc_id``)."""
    if not isinstance(docs, pd.DataFrame):
        raise InputError(f"Corpus takes a DataFrame, not {type(docs).__name__}; framelens.read_corpus reads "
                         "files and other tables")
    missing = [c for c in CANONICAL if c not in docs.columns]
    if missing:
        raise InputError(f"Corpus needs the canonical columns; missing {missing}; build it with "
                         "framelens.read_corpus(df, text=..., source=..., id=..., date=..., title=...), which "
                         "maps your columns to them")
    if not docs.columns.is_unique:
        repeated = sorted(set(map(str, docs.columns[docs.columns.duplicated()])))
        raise InputError(f"columns {repeated} appear more than once; {_READ_CORPUS_HINT}")
    text = docs["text"]
    if isinstance(text.dtype, pd.StringDtype):  # pandas' str: only a missing value can be wrong
        bad = text.isna()
    elif text.dtype == object:
        bad = ~text.map(lambda value: isinstance(value, str)).astype(bool)
    else:
        bad = pd.Series(True, index=text.index)
    if bad.any():
        pos = int(bad.to_numpy().argmax())  # by position: the caller's index may repeat labels
        raise InputError(f"Corpus needs a str in every row of 'text', found {_shown(text.iloc[pos])!r} (column "
                         f"dtype {text.dtype}); {_READ_CORPUS_HINT} (a missing text becomes \"\", counted)",
                         row=_shown(text.index[pos]), field="text")
    for name in ("doc_id", "source", "title"):  # the fingerprint and results take str() of any other value
        missing = docs[name].isna()
        if missing.any():
            raise InputError(f"Corpus needs a value in every row of {name!r}, found a missing one; {_READ_CORPUS_HINT} "
                             "(it numbers documents without an id, and names a missing source \"(missing)\")",
                             row=_shown(docs.index[int(missing.to_numpy().argmax())]), field=name)
    date = docs["date"]
    if not pd.api.types.is_datetime64_dtype(date.dtype):  # also refuses a zone: one clock, UTC, naive
        zone = isinstance(date.dtype, pd.DatetimeTZDtype)
        detail = (f"dates with a time zone ({date.dtype}); convert them with .dt.tz_convert('UTC').dt.tz_localize(None) "
                  "or" if zone else f"{date.dtype}, not datetimes (NaT when missing);")
        raise InputError(f"Corpus needs naive datetimes in column 'date', found {detail} {_READ_CORPUS_HINT} "
                         "(it parses dates and converts zones to UTC, or to the clock given as timezone=)", field="date")
    ids = docs["doc_id"]
    if not ids.is_unique:
        dup = ids[ids.duplicated(keep=False)]
        shown = ", ".join(map(repr, dup.unique()[:10].tolist())) + (f" … ({dup.nunique()} in all)" if dup.nunique() > 10 else "")
        raise InputError(f"duplicate ids: {shown}; ids name documents in every result: build the corpus with "
                         "framelens.read_corpus(df, on_duplicate='first') to keep the first of each",
                         row=_shown(ids.index[int(ids.duplicated(keep="first").to_numpy().argmax())]), field="doc_id")


def source_summary(docs: pd.DataFrame, tokens: np.ndarray, empty: np.ndarray) -> pd.DataFrame:
    """Documents, tokens, first and last date and empty texts per source (the groups of ``by="source"``:
    an empty and a missing source are both ``"(missing)"``)."""
    frame = pd.DataFrame({"source": groups(docs, "source").to_numpy(), "tokens": tokens,
                          "date": docs["date"].to_numpy(), "empty": empty})
    return frame.groupby("source", sort=True).agg(
        docs=("tokens", "size"), tokens=("tokens", "sum"), first_date=("date", "min"),
        last_date=("date", "max"), empty_texts=("empty", "sum"),
    )


def group_column(docs: pd.DataFrame, key: str, *, where: str = "the corpus") -> pd.Series:
    """Each document's group for ``key``, a column of ``docs`` or a date bin of its ``date``, as text:
    a date as ``YYYY-MM-DD``, a bin as its period (``2024-05``), a missing or empty value as
    ``"(missing)"``. ``where`` names ``docs`` in the error for an unknown key."""
    if key in docs.columns:
        col = docs[key]
        if pd.api.types.is_datetime64_any_dtype(col):
            return col.dt.strftime("%Y-%m-%d").fillna(MISSING_GROUP)
        return col.astype("string").fillna(MISSING_GROUP).replace("", MISSING_GROUP).astype(str)
    if key in DATE_BINS and "date" in docs.columns:
        if len(docs) and docs["date"].isna().all():
            # every document would land in "(missing)": most often the date column was not named
            warnings.warn(f"by={key!r}: no document has a date, so all of them form the group {MISSING_GROUP!r}; "
                          "name the date column when reading (framelens.read_corpus(..., date='published'), "
                          "--date-column on the command line)", CorpusWarning, stacklevel=4)
        periods = docs["date"].dt.to_period(DATE_BINS[key])
        return periods.astype(str).where(docs["date"].notna(), MISSING_GROUP)
    raise ParameterError(
        f"by: no column {key!r} in {where}; columns: {', '.join(map(str, docs.columns))}; "
        f"date bins: {', '.join(DATE_BINS)}"
    )


def group_frame(docs: pd.DataFrame, by: str | Sequence[str], *, where: str = "the corpus") -> pd.DataFrame:
    """One column per key of ``by`` (a column of ``docs`` or a date bin), aligned with ``docs``
    (:func:`group_column` for each)."""
    # one key: a name, or any other column label (a CSV read with header=None has 0, 1, 2 …)
    keys = list(by) if pd.api.types.is_list_like(by) else [by]
    if not keys:
        raise ParameterError("by: give at least one column name or date bin")
    return pd.DataFrame({k: group_column(docs, k, where=where) for k in keys}, index=docs.index)


def groups(docs: pd.DataFrame, by: str | Sequence[str], *, where: str = "the corpus") -> pd.Series:
    """Each document's group as text, several keys joined by ``" | "`` (:func:`group_frame`)."""
    frame = group_frame(docs, by, where=where)
    if frame.shape[1] == 1:
        return frame.iloc[:, 0].rename(frame.columns[0])
    return join_keys(frame).rename(" | ".join(frame.columns))


def natural_order(frame: pd.DataFrame) -> np.ndarray:
    """The positions of ``frame``'s rows (group keys as text, :func:`group_frame`'s) in the order
    groups are listed: by each key in turn, as numbers where every value of that key but
    ``"(missing)"`` is one (so page 2 comes before page 10), else as text; ``"(missing)"`` first,
    where text puts it. A stable sort: rows that tie keep their order.

    Examples
    --------
    >>> keys = pd.DataFrame({"page": ["10", "2", "(missing)", "1"], "source": ["A", "B", "C", "D"]})
    >>> natural_order(keys).tolist()
    [2, 3, 1, 0]
    """
    columns = []
    for name in frame.columns:
        text = frame[name].astype(str)
        given = text != MISSING_GROUP
        numbers = pd.to_numeric(text.where(given), errors="coerce")
        if given.any() and numbers[given].notna().all():
            columns.append(numbers.fillna(-np.inf).to_numpy(dtype=float))
        else:
            columns.append(text.to_numpy(dtype=object))
    if not columns:
        return np.arange(len(frame))
    ordered = pd.DataFrame(dict(enumerate(columns))).sort_values(list(range(len(columns))), kind="stable")
    return ordered.index.to_numpy()


def join_keys(frame: pd.DataFrame) -> pd.Series:
    """Each row's values as text joined by ``" | "``: the name of a group of several keys.

    Vectorised (``Series.str.cat``): a row-wise ``agg(" | ".join, axis=1)`` costs ~35 µs a row with
    pandas' string arrays, half a minute for a million documents.

    Examples
    --------
    >>> join_keys(pd.DataFrame({"source": ["Wire", "Post"], "month": ["2024-05", "(missing)"]})).tolist()
    ['Wire | 2024-05', 'Post | (missing)']
    """
    columns = [frame[c].astype(str) for c in frame.columns]
    return columns[0].str.cat(columns[1:], sep=" | ") if len(columns) > 1 else columns[0]


def _iso_seconds(dates: pd.Series) -> pd.Series:
    """``dates.dt.strftime("%Y-%m-%dT%H:%M:%S")`` with "" for NaT; numpy's formatter (10× faster)
    for the naive datetime64[ns] column of a Corpus, whose years all have four digits."""
    if dates.dtype == "datetime64[ns]":
        text = np.datetime_as_string(dates.to_numpy(), unit="s")
        text[np.isnat(dates.to_numpy())] = ""
        return pd.Series(text, index=dates.index, dtype="str")
    return dates.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")


_HASH_ROWS = 1 << 16  # documents joined at a time when fingerprinting (bounds the extra memory)


def _hash_rows_arrow(h, columns: list[pd.Series]) -> bool:
    """Feed ``h`` the fingerprint bytes of ``columns`` (see :attr:`Corpus.fingerprint`) with Arrow:
    each row joined as ``a␟b␟…␟␞`` in C, then the joined bytes hashed slice by slice. Returns
    ``False``, having hashed nothing, when a column is not all strings (the caller then hashes row
    by row, where ``str(value)`` decides)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(pd.api.types.is_string_dtype(c) for c in columns):
        return False
    try:
        arrays = [pa.array(c, type=pa.large_string(), from_pandas=True) for c in columns]
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column holding something else than str
        return False
    if any(a.null_count for a in arrays):
        return False
    end_mark, sep = pa.scalar("\x1e", pa.large_string()), pa.scalar("\x1f", pa.large_string())
    for lo in range(0, len(arrays[0]), _HASH_ROWS):
        rows = pc.binary_join_element_wise(*(a[lo:lo + _HASH_ROWS] for a in arrays), end_mark, sep)
        for part in rows.chunks if isinstance(rows, pa.ChunkedArray) else [rows]:
            if len(part):
                offsets = np.frombuffer(part.buffers()[1], dtype=np.int64)[part.offset:part.offset + len(part) + 1]
                h.update(memoryview(part.buffers()[2])[int(offsets[0]):int(offsets[-1])])
    return True


def _whole_numbers(column: pd.Series) -> pd.Series:
    """A float column whose values are all whole numbers (or missing) as nullable integers, so that
    its text is ``"7"``, not ``"7.0"``: in a DataFrame, integers become floats as soon as one value
    is missing (``pd.read_csv`` of an id column with a blank). Any other column as it is.

    Examples
    --------
    >>> _whole_numbers(pd.Series([7.0, None])).astype("string").tolist()
    ['7', <NA>]
    >>> _whole_numbers(pd.Series([7.5, None])).tolist()
    [7.5, nan]
    """
    if not pd.api.types.is_float_dtype(column.dtype):
        return column
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    present = values[~np.isnan(values)]
    # (beyond 2**53 a float holds no exact integer: left as it is)
    if not len(present) or not (np.all(np.abs(present) < 2**53) and np.all(present == np.round(present))):
        return column
    return column.astype("Int64")


def _check_text_is_text(raw: pd.DataFrame, column: str, file: str | None, labels: pd.Index | None) -> None:
    """Raise :class:`InputError` at the first text that is a JSON object or array (a nested JSONL
    field, a DataFrame cell holding a dict): its Python text would be scored as if it were prose.
    Batch scoring rejects such a row with the same reason."""
    texts = raw[column]
    if texts.dtype != object:
        return
    nested = texts.map(lambda value: isinstance(value, (dict, list))).astype(bool)
    if not nested.any():
        return
    pos = int(nested.to_numpy().argmax())
    kind = "object" if isinstance(texts.iloc[pos], dict) else "array"
    hint = ""
    if file is not None and len(raw) == 1 and all(isinstance(v, dict) for v in raw.iloc[0]):
        hint = ("; the file looks like pandas' DataFrame.to_json() column layout, one object per column: write one "
                "record per line with to_json(path, orient='records', lines=True)")
    raise InputError(f"text field {column!r} holds a JSON {kind}, not text{hint}", file=file,
                     row=_row_label(pos, file) if labels is None else _shown(labels[pos]), field=column)


def _nested_as_json(column: pd.Series) -> pd.Series:
    """Objects and arrays (nested JSON values) of an id, source or title column as their JSON text,
    keys sorted, as batch scoring writes them (``str()`` would give Python's ``{'a': 1}``)."""
    if column.dtype != object:
        return column
    nested = column.map(lambda value: isinstance(value, (dict, list))).astype(bool)
    if not nested.any():
        return column
    import json

    return column.where(~nested, column[nested].map(lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)))


def _take_column(raw: pd.DataFrame, wanted: str | None, default: str, role: str, file: str | None) -> str | None:
    """The raw column playing ``role``: the one the user named (must exist) or the default if present."""
    if wanted is not None:
        if wanted not in raw.columns:
            raise InputError(
                f"no column {wanted!r} for {role}; the columns are: {', '.join(map(str, raw.columns))}",
                file=file, field=wanted,
            )
        return wanted
    return default if default in raw.columns else None


# Seconds (9-10 digits) or milliseconds (12-13) since 1970, as a JSON number or its text may be
# written ("1709683200000", "1709683200.5", "1709683200000.0")
_EPOCH = r"(?:\d{9,10}|\d{12,13})(?:\.\d*)?"


def _epoch_dates(text: pd.Series) -> pd.Series:
    """Texts that are numbers of seconds or milliseconds since 1970 (:data:`_EPOCH`) as dates.

    JSON has no date type: pandas' ``to_json`` writes dates as milliseconds since 1970, and many
    exports write seconds. The number of digits tells which, for dates from 1973 to 2286: 9 or 10
    digits are seconds, 12 or 13 milliseconds. Other numbers (a year such as 2024, a date written
    20240105 or 202401051230) are left to the date parser. Texts, so that a number reads the same
    from a JSON number, a CSV field or batch scoring's text of it.
    """
    # in whole nanoseconds from the digits: through a float, 1709634600.123 s would be …00.122999907
    whole, _, fraction = (parts[i] for parts in [text.str.partition(".")] for i in range(3))
    whole = whole.astype("int64")
    millis = whole >= 10**11
    per_unit = np.where(millis, 10**6, 10**9)
    nanos = fraction.str.slice(0, 9).str.ljust(9, "0").astype("int64") // np.where(millis, 1000, 1)
    fits = whole < np.iinfo(np.int64).max // per_unit  # (a date after 2262: missing, reported)
    return pd.to_datetime(whole.where(fits, 0) * per_unit + nanos, unit="ns", utc=True).where(fits)


AS_WRITTEN = "as-written"


def check_timezone(timezone: Any, name: str = "timezone") -> str:
    """``timezone`` if it is ``"UTC"``, ``"as-written"`` or an IANA zone name, else a
    :class:`ParameterError` naming the parameter (``name``: how the caller calls it)."""
    if timezone == "UTC" or timezone == AS_WRITTEN:
        return timezone
    hint = ("give 'UTC' (the default), 'as-written' (each date's own clock) or an IANA zone name such as "
            "'Asia/Kolkata' or 'America/New_York'")
    if not isinstance(timezone, str) or not timezone.strip():
        raise ParameterError(f"{name} must be a str, not {timezone!r}; {hint}")
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ParameterError(f"{name}: unknown time zone {timezone!r}; {hint}") from None
    return timezone


# The zone of an ISO 8601 date-time as pandas' ISO parser reads one: "Z" or ±hh[[:]mm] right after a
# time (never after a date alone, whose "-31" is a day)
_ISO_ZONE = r"(?i)^.*?[T ]\d\d(?::?\d\d(?::?\d\d(?:[.,]\d+)?)?)?\s*(?P<zone>Z|(?P<sign>[+-])(?P<hh>\d\d)(?::?(?P<mm>\d\d))?)$"


def _offsets(text: pd.Series, iso: pd.Series, other: pd.Series) -> pd.Series:
    """The UTC offset written in each date (a timedelta; NaT where it has none): read from the text
    of the ``iso`` rows (those pandas' ISO 8601 parser read), parsed one by one for the ``other``
    rows (the per-value parser's formats: "Mon, 01 Apr 2024 02:00:00 +0530", "… 10:00 GMT")."""
    offsets = pd.Series(pd.NaT, index=text.index, dtype="timedelta64[ns]")
    if iso.any():
        parts = text[iso].str.extract(_ISO_ZONE)
        zoned = parts["zone"].notna()
        if zoned.any():
            parts = parts[zoned]
            minutes = parts["hh"].fillna("0").astype("int64") * 60 + parts["mm"].fillna("0").astype("int64")
            minutes = minutes.where(parts["sign"].ne("-"), -minutes)  # (sign missing: "Z", 0)
            offsets.loc[minutes.index] = pd.to_timedelta(minutes.to_numpy(), unit="min")
    for pos in other[other].index:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                offset = pd.Timestamp(text[pos]).utcoffset()
        except (ValueError, TypeError, OverflowError):
            offset = None
        if offset is not None:
            offsets[pos] = pd.Timedelta(offset)
    return offsets


def _parse_dates(values: pd.Series, file: str | None, issues: list[ReadIssue], timezone: str = "UTC") -> pd.Series:
    """``values`` as naive datetimes on the clock ``timezone`` names (see :func:`read_corpus`)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(out.dt, "tz", None) is not None:  # a zoned column: to the clock asked for
            out = out.dt.tz_localize(None) if timezone == AS_WRITTEN else out.dt.tz_convert(timezone).dt.tz_localize(None)
    else:
        text = values.astype("string").str.strip()
        if pd.api.types.is_float_dtype(values):  # whole numbers as written: a JSON column of 20240105 and 1.5
            text = text.str.removesuffix(".0")   # is float, and "20240105.0" is no date
        epoch = text.str.fullmatch(_EPOCH).fillna(False)
        # utc=True: a column may mix dates with and without a zone ("2024-05-01", "…T10:00:00Z"); a
        # date without one is read as it is written (as if UTC), a zoned one as its instant in UTC
        out = pd.to_datetime(text.mask(epoch), errors="coerce", format="ISO8601", utc=True)
        if epoch.any():
            again = _epoch_dates(text[epoch])
            out = _at_one_unit(out, again)
            out.loc[epoch] = again.dt.as_unit(out.dt.unit)
        retry = out.isna() & text.fillna("").ne("") & ~epoch
        if retry.any():  # fall back to per-value parsing for other common formats
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                again = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=True)
            out = _at_one_unit(out, again)
            out.loc[retry] = again.dt.as_unit(out.dt.unit)
        _report_bad_dates(values, out.isna() & text.fillna("").ne(""), file, issues)
        if timezone != "UTC":
            # Another clock: a date without a zone is already on it (its wall-clock time, as parsed);
            # a zoned one moves to that zone's wall-clock time, or keeps its own ("as-written": the
            # instant plus the offset written); seconds since 1970 are instants (UTC when as written).
            parsed = out.notna()
            offsets = _offsets(text, parsed & ~retry & ~epoch, parsed & retry)
            wall = out.dt.tz_localize(None)
            if timezone == AS_WRITTEN:
                zoned = offsets.notna()
                shifted = wall[zoned] + offsets[zoned]
            else:
                zoned = offsets.notna() | (epoch & parsed)
                shifted = out[zoned].dt.tz_convert(timezone).dt.tz_localize(None)
            if zoned.any():
                wall = wall.copy()
                wall.loc[zoned] = shifted.dt.as_unit(wall.dt.unit)
            out = wall
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)  # one clock for every document
    # datetime64[ns] holds 1677-09-21 to 2262-04-11 only: a date outside (pandas 3 reads "1500-01-01"
    # at a coarser unit) is kept as missing and reported, not an error for the whole corpus
    outside = out.notna() & ((out < pd.Timestamp.min) | (out > pd.Timestamp.max))
    for pos in outside[outside].index[:20]:
        issues.append(ReadIssue(file or "<DataFrame>", _row_label(pos, file), "date",
                                f"date {_shown(values[pos])!r} outside 1677-2262 kept as missing"))
    if outside.any():
        out = out.mask(outside)
    return out.astype("datetime64[ns]")


_UNITS = ("s", "ms", "us", "ns")


def _at_one_unit(out: pd.Series, again: pd.Series) -> pd.Series:
    """``out`` at the finer time unit of the two parses, so that ``again``'s values fit into it:
    pandas gives each call its own unit (a column of ISO dates gets seconds, "May 5, 2024
    10:00:00.5" needs microseconds, and putting it into seconds raised). Nanoseconds that a date
    far from 1970 cannot hold fall back to microseconds (such a date is reported as outside
    1677–2262 later anyway)."""
    unit = max(out.dt.unit, again.dt.unit, key=_UNITS.index)
    try:
        again.dt.as_unit(unit)
        return out.dt.as_unit(unit)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        return out.dt.as_unit("us")


def _shown(value: Any) -> Any:
    """A value as the user wrote it: ``1709683200000``, not ``np.int64(1709683200000)``."""
    return value.item() if isinstance(value, np.generic) else value


def _report_bad_dates(values: pd.Series, bad: pd.Series, file: str | None, issues: list[ReadIssue]) -> None:
    """The first 20 dates that could not be read, each with its row, and how many in all."""
    for pos in bad[bad].index[:20]:
        issues.append(ReadIssue(file or "<DataFrame>", _row_label(pos, file), "date",
                                f"unparseable date {_shown(values[pos])!r} kept as missing"))
    if bad.sum() > 20:
        issues.append(ReadIssue(file or "<DataFrame>", None, "date", f"{int(bad.sum())} unparseable dates in all"))


def _row_label(pos: Any, file: str | None) -> Any:
    """1-based data row for files (as a spreadsheet counts records); for a DataFrame its 0-based
    position, which :func:`read_corpus` turns into the index label."""
    return int(pos) + 1 if file is not None else pos


def read_corpus(
    data: str | os.PathLike | pd.DataFrame,
    text: str | None = None,
    source: str | None = None,
    id: str | None = None,  # noqa: A002 - the name users know from read_csv-style APIs
    date: str | None = None,
    title: str | None = None,
    *,
    encoding: str = "utf-8",
    errors: str = "strict",
    on_duplicate: str = "error",
    meta: dict | None = None,
    timezone: str = "UTC",
) -> Corpus:
    """Read documents into a :class:`Corpus`.

    Parameters
    ----------
    data : path or DataFrame
        CSV, TSV, JSONL (also ``.gz``), Parquet, a folder of ``.txt`` files (``source`` = sub-folder
        name), or a DataFrame. A CSV whose header line has semicolons and no comma is read with
        ``;`` as its separator (a spreadsheet saved in a decimal-comma language).
    text, source, id, date, title : str, optional
        Column names playing each role. When not given, a column already called ``text``,
        ``source``, ``doc_id``, ``date`` or ``title`` is used if present; ``text`` is required.
        A column that has a canonical name but is replaced by another (``source="bias_text"`` in a
        table that has a ``source`` column) is kept as ``original_source`` (reported).
        A missing ``doc_id`` becomes row numbers, a missing ``source`` is ``"(missing)"``. In a
        DataFrame, a float column of whole numbers read as ``doc_id``, ``source`` or ``title`` is
        taken as the integers it holds (pandas makes integers with a missing value floats): 7, not
        7.0.
        Dates: ISO 8601 and other common forms, stored without a zone on the clock ``timezone``
        names; a whole number of 9–10 digits is seconds since 1970, of 12–13 digits milliseconds
        (what pandas' ``to_json`` writes).
    encoding, errors : str
        Decoding of files; ``errors="replace"`` replaces undecodable bytes and reports how many.
    on_duplicate : {"error", "first"}
        Duplicate ids raise an error listing them, or keep the first of each (reported).
    meta : dict, optional
        Stored as ``Corpus.meta``.
    timezone : str, default "UTC"
        The clock of the ``date`` column (which stays naive ``datetime64[ns]``), and so the day,
        week, month … a document falls in with ``by="day"`` and the other date bins:

        * ``"UTC"``: a date with a zone (``2024-04-01T02:00:00+05:30``) is converted to UTC
          (2024-03-31 20:30);
        * an IANA zone name (``"Asia/Kolkata"``, ``"America/New_York"``, daylight saving time
          included): converted to that zone's wall-clock time (2024-04-01 02:00 in Kolkata) —
          the calendar of a press in one zone;
        * ``"as-written"``: each date keeps the time written in it, its offset dropped
          (2024-04-01 02:00) — a corpus of outlets in many zones, each on its own calendar.

        A date written without a zone is taken as already on the chosen clock (kept as written).
        Seconds or milliseconds since 1970 are instants: converted to the zone (to UTC with
        ``"as-written"``, as they carry no offset). Offsets are read as written (``Z``, ``±hh:mm``,
        ``±hhmm``, ``±hh``; ``UTC``/``GMT`` and RFC 2822's ``+0530`` in other formats); a zone
        abbreviation such as ``EST`` is not a zone pandas reads (the date is reported unparseable).
        Recorded as ``Corpus.meta["timezone"]``, and in the provenance of results
        (``attrs["framelens"]["corpus"]["timezone"]``).

    Returns
    -------
    Corpus

    Notes
    -----
    Nothing is dropped silently: empty texts and unparseable dates are kept and reported in
    ``Corpus.issues`` and as a :class:`CorpusWarning`.

    Examples
    --------
    >>> import pandas as pd, framelens
    >>> df = pd.DataFrame({"body": ["Rebels shelled the town."], "outlet": ["Wire"], "day": ["2024-05-01"]})
    >>> c = framelens.read_corpus(df, text="body", source="outlet", date="day")
    >>> c.docs.loc[0, "source"], str(c.docs.loc[0, "date"].date())
    ('Wire', '2024-05-01')
    >>> df = pd.DataFrame({"text": ["Polls opened."], "date": ["2024-04-01T02:00:00+05:30"]})
    >>> str(framelens.read_corpus(df).docs.loc[0, "date"])
    '2024-03-31 20:30:00'
    >>> str(framelens.read_corpus(df, timezone="Asia/Kolkata").docs.loc[0, "date"])
    '2024-04-01 02:00:00'
    """
    timezone = check_timezone(timezone)  # before a file of any size is read
    issues: list[ReadIssue] = []
    if isinstance(data, pd.DataFrame):
        # a shallow copy: columns are only ever replaced in it, never written into, and copy-on-write
        # keeps the caller's table as it was (a deep copy would double the memory of a big table)
        raw, file = data.copy(deep=False), None
    else:
        raw, issues = read_table(data, encoding=encoding, errors=errors)
        file = str(data)
    if on_duplicate not in ("error", "first"):
        raise ParameterError(f"on_duplicate must be 'error' or 'first', not {on_duplicate!r}")

    roles = {
        "text": _take_column(raw, text, "text", "text", file),
        "source": _take_column(raw, source, "source", "source", file),
        "doc_id": _take_column(raw, id, "doc_id", "id", file),
        "date": _take_column(raw, date, "date", "date", file),
        "title": _take_column(raw, title, "title", "title", file),
    }
    if roles["text"] is None:
        raise InputError(
            f"no column 'text'; name the text column (text=... in Python, --text-column on the command line); "
            f"the columns are: "
            f"{', '.join(map(str, raw.columns))}", file=file, field="text",
        )
    # Rows by position from here on: a DataFrame's index may repeat labels (pd.concat of two tables
    # without ignore_index), and label lookups then return several rows. Issues name a DataFrame's
    # rows by their index labels again at the end.
    labels = raw.index if file is None else None
    raw = raw.reset_index(drop=True)
    if file is None:  # pandas makes integers with a missing value floats: an id 7 must not read "7.0"
        for role in ("doc_id", "source", "title"):
            if roles[role] is not None:
                raw[roles[role]] = _whole_numbers(raw[roles[role]])
    _check_text_is_text(raw, roles["text"], file, labels)
    for role in ("doc_id", "source", "title"):
        if roles[role] is not None:
            raw[roles[role]] = _nested_as_json(raw[roles[role]])
    n = len(raw)
    docs = pd.DataFrame(index=raw.index)
    ids = raw[roles["doc_id"]].astype("string") if roles["doc_id"] else pd.Series(pd.NA, index=raw.index, dtype="string")
    if ids.isna().any():
        # a row without an id (null in JSONL or Parquet) gets its row number, as every row does when
        # there is no id column (and as batch scoring does), not "nan", which two such rows would share
        ids = ids.fillna(pd.Series([f"{i + 1}" for i in range(n)], index=raw.index, dtype="string"))
    docs["doc_id"] = ids.astype(str)
    docs["source"] = raw[roles["source"]].astype("string").fillna(MISSING_GROUP).astype(str) if roles["source"] else MISSING_GROUP
    docs["date"] = _parse_dates(raw[roles["date"]], file, issues, timezone) if roles["date"] else pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    docs["title"] = raw[roles["title"]].astype("string").fillna("").astype(str) if roles["title"] else ""
    texts = raw[roles["text"]]
    missing_text = texts.isna()
    docs["text"] = texts.astype("string").fillna("").astype(str)
    used = {c for c in roles.values() if c}
    for col in raw.columns:
        if col in used:
            continue
        name = col
        if col in docs.columns:
            # a column with a canonical name that another column replaced (source="bias_text" beside
            # the outlets' "source"): kept under another name, never dropped silently
            name = f"original_{col}"
            while name in docs.columns or name in raw.columns:
                name = f"original_{name}"
            issues.append(ReadIssue(file or "<DataFrame>", None, col,
                                    f"column renamed {name} (kept; the column {roles[col]!r} plays the role of {col!r})"))
        docs[name] = raw[col]

    # Duplicate ids: an error listing them, or keep the first of each on request.
    dup = docs["doc_id"].duplicated(keep="first")
    if dup.any():
        dup_ids = docs.loc[docs["doc_id"].duplicated(keep=False), "doc_id"].unique().tolist()
        if on_duplicate == "error":
            shown = ", ".join(map(repr, dup_ids[:10])) + (f" … ({len(dup_ids)} in all)" if len(dup_ids) > 10 else "")
            raise InputError(f"duplicate ids: {shown}; pass on_duplicate='first' (--on-duplicate first) to keep the "
                             "first of each", file=file, field=roles["doc_id"] or "doc_id")
        for pos in dup[dup].index:
            issues.append(ReadIssue(file or "<DataFrame>", _row_label(pos, file), roles["doc_id"] or "doc_id",
                                    f"duplicate id {docs.at[pos, 'doc_id']!r} dropped (on_duplicate='first')"))
        docs = docs.loc[~dup]

    empty = docs["text"].str.strip().eq("")
    for pos in empty[empty].index:
        what = "missing text" if missing_text.get(pos, False) else "empty or whitespace-only text"
        issues.append(ReadIssue(file or "<DataFrame>", _row_label(pos, file), roles["text"], f"{what} (kept, counted)"))

    docs = docs.reset_index(drop=True)
    if labels is not None:
        issues = [replace(i, row=_shown(labels[i.row])) if i.row is not None else i for i in issues]
    info = {"path": file, **(meta or {}), "timezone": timezone}  # which clock the dates are on
    if issues:
        counts = pd.Series([i.issue.split(" (")[0].split(" '")[0] for i in issues]).value_counts()
        summary = "; ".join(f"{n} × {what}" for what, n in counts.items())
        warnings.warn(f"{file or 'DataFrame'}: {summary} (see Corpus.issues)", CorpusWarning, stacklevel=2)
    return Corpus(docs, info, issues)
