"""A local, deterministic "hashing embedder" for the demo database.

It is not a language model and does not pretend to be one: it hashes a script's tokens
(lower-cased words, whole cmdlet names such as `get-aduser`, and pairs of consecutive cmdlets)
into 1536 signed buckets, damps repeated tokens with 1 + ln(tf) and normalises the result.
Scripts that use the same cmdlets and vocabulary therefore land close together under cosine
distance, which is all the demo's similarity search needs. The hash is BLAKE2b, so a vector
is identical in every process and on every machine (Python's own hash() is salted per run).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Sequence

DIMENSIONS = 1536
MODEL_NAME = "psadmin-hashing-v1"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words, numbers and hyphenated names; a leading "-" (parameter) or "$" (variable) is not
# part of the token, so "-ComputerName" and "$ComputerName" both become "computername".
_TOKEN = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")

# Verbs that make a hyphenated token a cmdlet (approved verbs plus the common pipeline ones).
_VERBS = _words(
    """add approve assert backup block build checkpoint clear close compare complete compress
    confirm connect convert convertfrom convertto copy debug deny deploy disable disconnect
    dismount edit enable enter exit expand export find foreach format get grant group hide
    import initialize install invoke join limit lock measure merge mount move new open optimize
    out ping pop protect publish push read receive redo register remove rename repair request
    reset resize resolve restart restore resume revoke save search select send set show skip
    sort split start step stop submit suspend switch sync tee test trace unblock undo uninstall
    unlock unprotect unpublish unregister update use wait watch where write"""
)

# Words that occur in nearly every script (help keywords, language keywords, English glue)
# and so only add the same offset to every vector.
_STOPWORDS = _words(
    """a an and are as at be by for from if in into is it its no not of on or that the this
    to with when each than so all param cmdletbinding parameter mandatory string int bool
    switch synopsis description example notes author version requires true false null else
    elseif foreach try catch finally function return ps ps1 pscustomobject ordered continue
    break eq ne lt le gt ge like notlike match notmatch erroractionpreference stop
    validatenotnullorempty validaterange validateset validatescript validatepattern"""
)

# Cmdlets found in almost every script carry less information than the task's own cmdlets.
_COMMON_CMDLETS = _words(
    """write-verbose write-host write-warning write-error out-null select-object where-object
    foreach-object sort-object get-date export-csv measure-object group-object"""
)
_CMDLET_WEIGHT = 2.0
_PAIR_WEIGHT = 1.5
_EMPTY_FEATURE = "\x00empty"  # no token can contain NUL, so this never collides with text


def _is_cmdlet(token: str) -> bool:
    verb, dash, noun = token.partition("-")
    return bool(dash) and verb in _VERBS and noun[:1].isalpha()


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens of `text`, keeping cmdlet names such as `get-aduser` whole.

    Tokens shorter than two characters, numbers shorter than four digits (thresholds, counts)
    and stop words are dropped; four-digit numbers stay because event IDs like 4625 matter.
    """
    return [
        token
        for token in _TOKEN.findall(text.lower())
        if len(token) > 1 and token not in _STOPWORDS and not (token.isdigit() and len(token) < 4)
    ]


@functools.lru_cache(maxsize=1 << 17)
def _bucket(feature: str) -> tuple[int, float]:
    """The feature's bucket and its signed class weight; the cache only saves hashing time."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    if ">" in feature:
        weight = _PAIR_WEIGHT
    elif _is_cmdlet(feature) and feature not in _COMMON_CMDLETS:
        weight = _CMDLET_WEIGHT
    else:
        weight = 1.0
    return digest % DIMENSIONS, -weight if digest >> 63 else weight


def _term_counts(tokens: list[str]) -> dict[str, int]:
    """How often each token occurs, plus each pair of consecutive cmdlets ("get-x>set-y")."""
    counts: dict[str, int] = {}
    previous = ""
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
        if _is_cmdlet(token):
            if previous:
                pair = f"{previous}>{token}"
                counts[pair] = counts.get(pair, 0) + 1
            previous = token
    return counts


def embed(text: str) -> list[float]:
    """A unit-length vector of DIMENSIONS floats; the same text always gives the same vector."""
    counts = _term_counts(tokenize(text)) or {_EMPTY_FEATURE: 1}
    buckets: dict[int, float] = {}
    for feature, count in counts.items():
        index, weight = _bucket(feature)
        # 1 + ln(tf): a cmdlet used twenty times should not drown out everything else.
        buckets[index] = buckets.get(index, 0.0) + weight * (1.0 + math.log(count))
    norm = math.sqrt(sum(value * value for value in buckets.values()))
    if norm == 0.0:  # every feature cancelled out in shared buckets; use the constant instead
        index, weight = _bucket(_EMPTY_FEATURE)
        buckets, norm = {index: weight}, abs(weight)
    vector = [0.0] * DIMENSIONS
    for index, value in buckets.items():
        vector[index] = value / norm
    return vector


def to_pgvector_text(vector: Sequence[float]) -> str:
    """pgvector's text form, e.g. '[0.125,0,-0.0625]': zeros as "0", others to 6 digits."""
    return "[" + ",".join("0" if value == 0.0 else f"{value:.6g}" for value in vector) + "]"
