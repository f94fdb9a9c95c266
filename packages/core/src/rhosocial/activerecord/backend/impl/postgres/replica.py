"""Which statements may run on a read replica (see ``aio/replica.py``).

The rule (also in the README, "Read replica"): a statement goes to the standby only if

* it is executed as DQL (``fetch_one``/``fetch_all``, model queries) outside any transaction;
* its first keyword (after comments, whitespace and parentheses) is ``SELECT``, ``VALUES``,
  ``TABLE`` or ``WITH``;
* none of these keywords appears in it (outside literals, quoted identifiers and comments):
  ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE`` (a data-modifying CTE, ``... RETURNING``
  through ``fetch_one``), ``INTO`` (``SELECT ... INTO new_table``), ``FOR SHARE`` /
  ``FOR KEY SHARE`` (and ``FOR [NO KEY] UPDATE``: row locks), and no second statement follows
  a ``;``;
* it calls none of the functions in ``PRIMARY_ONLY_FUNCTIONS`` / ``PRIMARY_ONLY_PREFIXES``: they
  write (sequences, every ``lo_*`` large-object function, NOTIFY, WAL, replication slots and
  origins, BRIN/GIN maintenance), need a transaction id or the WAL position of a primary, take
  advisory locks, change session state or act on the server that runs them (reload, promote,
  cancel or terminate a session, reset statistics).

Anything else stays on the primary: a false "no" costs only the offloading, a false "yes" a
wrong error or a wrong result. ``SHOW`` and ``EXPLAIN`` stay on the primary too: they describe
the server (``SHOW transaction_read_only`` is ``on`` on a standby; a plan and its timings are
the primary's that a caller tuning a query wants, and ``EXPLAIN ANALYZE`` runs its statement).
A user-defined function that writes cannot be recognised: call it inside a transaction, or with
``ExecutionOptions(stmt_type=StatementType.DML, process_result_set=True)``.

``changes_session`` recognises the statements whose effect lasts for the rest of the session
(``SET`` without ``LOCAL``, ``RESET``, ``CREATE TEMP ...``, ``SELECT ... INTO TEMP``,
``DISCARD``, ``LISTEN``, ``PREPARE``, ``DECLARE``, ``LOAD``, ``set_config()``): after one of
them the standby's sessions no longer see what the primary's session sees (``search_path``,
temporary tables), so the backend stops routing (``aio/replica.py``).

Both read the statement with the project's one SQL lexer (``sql_text.split_sql``), so words in
string literals, dollar-quoted bodies and comments are not keywords. A text containing a
backslash is read twice, as with ``standard_conforming_strings`` on and off (where ``'it\\'s'``
is one literal): it is a plain read only if both readings say so, and changes the session if
either does. That holds whatever the session's setting, with no look at the connection.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Optional

from rhosocial.activerecord.backend.schema import StatementType

from .sql_text import MAX_CACHED_LENGTH, split_sql

__all__ = ["routes_to_replica", "is_plain_read", "changes_session",
           "PRIMARY_ONLY_FUNCTIONS", "PRIMARY_ONLY_PREFIXES"]

# A word of code (keyword, identifier, function name; non-ASCII letters too) or a ';'.
_TOKEN = re.compile(r"[^\W\d][\w$]*|;")

_READ_STARTS = frozenset({"select", "values", "table", "with"})
# DML (a data-modifying CTE; also FOR [NO KEY] UPDATE), SELECT ... INTO.
_WRITE_WORDS = frozenset({"insert", "update", "delete", "merge", "into"})
# FOR SHARE, FOR KEY SHARE (FOR [NO KEY] UPDATE is caught by "update").
_LOCK_AFTER_FOR = frozenset({"share", "key"})

#: Functions that keep a statement on the primary (names as PostgreSQL spells them).
PRIMARY_ONLY_FUNCTIONS = frozenset({
    # sequences: write (nextval, setval) or read this session's state (currval, lastval)
    "nextval", "setval", "currval", "lastval",
    # session state (set_config also ends routing: changes_session; setseed seeds random())
    "set_config", "setseed",
    # need a transaction id or the WAL position of a primary (fail during recovery)
    "txid_current", "txid_current_if_assigned", "pg_current_xact_id", "pg_current_xact_id_if_assigned",
    "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn", "pg_export_snapshot",
    "pg_notify", "pg_logical_emit_message",
    # large objects that write (lo_* are all prefixes below)
    "lowrite", "loread",
    # WAL, configuration and server control: write, or act on the server that runs them
    "pg_switch_wal", "pg_promote", "pg_reload_conf", "pg_rotate_logfile", "pg_import_system_collations",
    "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup", "pg_log_standby_snapshot",
    "pg_drop_replication_slot", "pg_replication_slot_advance", "gin_clean_pending_list",
    "pg_log_backend_memory_contexts", "pg_prewarm", "pg_stat_statements_reset",
    # act on the server's own sessions: on a standby, on the wrong server's
    "pg_cancel_backend", "pg_terminate_backend",
})
#: Function name prefixes that keep a statement on the primary: advisory locks (they only
#: mean something on the server the other clients lock on), every large-object function
#: (``lo_open`` for writing, ``lo_truncate``, ``lo_export``, ...: reads included, for
#: simplicity), ``pg_create_restore_point`` and ``pg_create_*_replication_slot``, slot copies
#: and consumption, replication origins, BRIN summarisation, statistics resets.
PRIMARY_ONLY_PREFIXES = ("pg_advisory_", "pg_try_advisory_", "lo_", "pg_create_", "pg_copy_",
                         "pg_logical_slot_", "pg_replication_origin_", "brin_", "pg_stat_reset")

# Statements whose effect lasts for the session (their first keyword).
_SESSION_STARTS = frozenset({"reset", "discard", "listen", "prepare", "declare", "load"})
# SET LOCAL / SET TRANSACTION / SET CONSTRAINTS last until the end of the transaction.
_SET_FOR_THE_TRANSACTION = frozenset({"local", "transaction", "constraints"})
_TEMP = frozenset({"temp", "temporary"})
_SET_CONFIG = frozenset({"set_config", '"set_config'})
_BEFORE_TEMP = frozenset({"global", "local", "or", "replace"})
_INTO_TABLE = frozenset({"insert", "merge"})  # INSERT INTO temp: a table named "temp"
# changes_session reads the first characters of a longer statement first.
_HEAD = 1024
# SELECT ... INTO TEMP may hide past a statement's first words (a superset: the lexer decides).
_INTO_TEMP = re.compile(r"\binto(?:\s|/\*.*?\*/|--[^\n]*\n)+temp", re.DOTALL)  # on the lower-cased text


def routes_to_replica(sql: str, options: Any, in_transaction: bool) -> bool:
    """A read that can run on a standby (see the module docstring)."""
    return not in_transaction and options.stmt_type == StatementType.DQL and is_plain_read(sql)


def is_plain_read(sql: str) -> bool:
    """Whether ``sql`` only reads, takes no locks and depends on no session state."""
    if len(sql) > MAX_CACHED_LENGTH:
        return _is_plain_read(sql)
    return _is_plain_read_cached(sql)


def changes_session(sql: str) -> bool:
    """Whether ``sql`` leaves state in the session that later statements depend on."""
    if len(sql) > MAX_CACHED_LENGTH:
        return _changes_session(sql)
    return _changes_session_cached(sql)


def _tokens(sql: str, backslash_quotes: bool = False) -> Iterator[str]:
    """The statement's words, lower-cased, and its ``;``, in order (lazily). A quoted
    identifier yields ``"`` and its name: it is no keyword (a column may be called
    ``"update"``), but may be a function (``"nextval"(...)``, ``U&"\\006Eextval"(...)``)."""
    code = ""
    for text, is_code in split_sql(sql, backslash_quotes):
        if is_code:
            code = text
            for match in _TOKEN.finditer(text):
                yield match.group(0).lower()
        elif text.startswith('"'):
            name = text[1:-1].replace('""', '"')
            if code[-2:] in ("U&", "u&"):
                name = _UNICODE_ESCAPE.sub(_unescape, name)
            yield '"' + name


# U&"..." escapes (with the default escape character; UESCAPE keeps a statement on the primary)
_UNICODE_ESCAPE = re.compile(r"\\(?:\\|([0-9A-Fa-f]{4})|\+([0-9A-Fa-f]{6}))")


def _unescape(match: "re.Match[str]") -> str:
    code = match.group(1) or match.group(2)
    try:
        return chr(int(code, 16)) if code else "\\"
    except ValueError:  # beyond U+10FFFF: the server refuses the statement anyway
        return match.group(0)


def _is_plain_read(sql: str) -> bool:
    # With standard_conforming_strings off a backslash escapes a quote in '...', so a text
    # with a backslash can be read two ways (the session's setting is not at hand here, and
    # may be a role or database default): it is a plain read only if it is one either way.
    return _plain_read(sql, False) and ("\\" not in sql or _plain_read(sql, True))


def _changes_session(sql: str) -> bool:
    # Same two readings: it changes the session if either reading says so.
    return _session_change(sql, False) or ("\\" in sql and _session_change(sql, True))


def _plain_read(sql: str, backslash_quotes: bool) -> bool:
    tokens = _tokens(sql, backslash_quotes)
    if next(tokens, None) not in _READ_STARTS:
        return False
    previous = ""
    for token in tokens:
        name = token[1:] if token[0] == '"' else token  # a function may be quoted
        if (previous == ";" or token in _WRITE_WORDS or token == "uescape" or name in PRIMARY_ONLY_FUNCTIONS
                or name.startswith(PRIMARY_ONLY_PREFIXES)
                or (previous == "for" and token in _LOCK_AFTER_FOR)):
            return False
        previous = token
    return True


def _session_change(sql: str, backslash_quotes: bool) -> bool:
    # Mostly the first words of a statement decide; the whole text is read only when
    # set_config, INTO TEMP or a second statement may come further on (a cheap look first).
    lowered = sql.lower()
    if ";" in sql or "set_config" in lowered or ("temp" in lowered and _INTO_TEMP.search(lowered)):
        return _session_words(_tokens(sql, backslash_quotes), read_all=True) is True
    if len(sql) > _HEAD:
        # The lexer yields the text before the first literal or comment in one piece: a long
        # INSERT would be read to its end. Its head decides (without its last word, which
        # the cut may have shortened), unless the first words run past it.
        head = list(_tokens(sql[:_HEAD], backslash_quotes))[:-1]
        decided = _session_words(iter(head), read_all=False)
        if decided is not None:
            return decided
    return _session_words(_tokens(sql, backslash_quotes), read_all=False) is True


def _session_words(tokens: Iterator[str], read_all: bool) -> Optional[bool]:
    """True/False once decided; None if the words ran out undecided (False for a whole text)."""
    first = None  # "set"/"create" while the words after it still decide
    before, previous = "", ";"
    for token in tokens:
        if token in _SET_CONFIG or (previous == "into" and token in _TEMP and before not in _INTO_TABLE):
            return True  # set_config(..., false); SELECT ... INTO TEMP t
        if previous == ";":  # a statement starts
            if token in _SESSION_STARTS:
                return True
            first = token if token in ("set", "create") else None
        elif first == "set":  # SET name / SET SESSION ...: not SET LOCAL|TRANSACTION|CONSTRAINTS
            if token not in _SET_FOR_THE_TRANSACTION and token != ";":
                return True
            first = None
        elif first == "create":  # CREATE [GLOBAL|LOCAL] TEMP ..., CREATE OR REPLACE TEMP VIEW
            if token in _TEMP:
                return True
            if token not in _BEFORE_TEMP:
                first = None
        elif not read_all:
            return False
        before, previous = previous, token
    return None


_is_plain_read_cached = lru_cache(maxsize=1024)(_is_plain_read)
_changes_session_cached = lru_cache(maxsize=1024)(_changes_session)
