"""Keeping the password out of error messages, without turning them into an oracle.

The obvious ``message.replace(password, "***")`` is wrong twice over. It mangles
messages when the password is short or a common word (password ``x``: "connection
timeout e***pired"), and it answers guesses: with the password ``users``, the error
for ``SELECT 'users'::int`` came back as ``invalid input syntax ... "***"``, so any
session able to make the server echo a string learnt whether it was the password,
with no failed login recorded anywhere.

Where can a password really appear? Not in server errors about statements (the server
never sees the connection password again after authentication); only where a
connection string is echoed: libpq's complaints about a malformed conninfo, a
``dblink_connect('... password=...')`` failure, a URI. So:

* ``redact_conninfo`` masks what follows ``password=`` and the password part of
  ``scheme://user:password@``: the shapes in which any password, ours or another,
  is written. Used for every error.
* ``redact_connect_message`` also masks our own password where it stands as a whole
  token, for errors raised while connecting (no statement text there to echo).
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["redact_conninfo", "redact_connect_message"]

MASK = "***"
#: ``password=value`` / ``password = 'quoted \' value'`` (libpq keyword syntax)
_KEYWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'\"]+)", re.IGNORECASE)
#: ``postgresql://user:secret@host`` (the userinfo of a URI)
_URI = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s]+)(@)", re.IGNORECASE)


def redact_conninfo(text: str) -> str:
    """``text`` with passwords written in connection strings or URIs masked."""
    if "password" not in text.lower() and "://" not in text:
        return text
    text = _KEYWORD.sub(lambda m: m.group(1) + MASK, text)
    return _URI.sub(lambda m: m.group(1) + MASK + m.group(3), text)


def redact_connect_message(text: str, password: Optional[str]) -> str:
    """For errors raised while connecting: ``redact_conninfo``, and ``password`` itself
    where it stands alone (not inside a longer word: "e***pired" helps nobody)."""
    text = redact_conninfo(text)
    if password:
        text = re.sub(rf"(?<![\w]){re.escape(password)}(?![\w])", MASK, text)
    return text
