"""Errors cross process boundaries (multiprocessing, task queues): the combined
``Transaction*`` classes are made on first use, so a fresh process must find them by name."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from rhosocial.activerecord.backend.errors import IntegrityError, TransactionError
from rhosocial.activerecord.backend.impl.postgres import errors


@pytest.mark.parametrize("base", [IntegrityError, errors.DataError, errors.StatementTimeoutError])
def test_a_combined_transaction_error_unpickles_in_a_fresh_process(base):
    error = errors.transaction_error_class(base)("Failed to commit transaction: boom")
    error.sqlstate = "23503"
    data = pickle.dumps(error)
    # a new interpreter has never made the class: before the module __getattr__ this was
    # "AttributeError: Can't get attribute 'TransactionIntegrityError'"
    code = ("import pickle, sys; e = pickle.loads(sys.stdin.buffer.read()); "
            "from rhosocial.activerecord.backend.errors import TransactionError; "
            "print(type(e).__name__, isinstance(e, TransactionError), str(e))")
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True).stdout.decode()
    assert out.split(" ", 2) == [f"Transaction{base.__name__}", "True", "Failed to commit transaction: boom\n"]
    assert isinstance(pickle.loads(data), (base, TransactionError))


def test_unknown_names_still_raise_attribute_error():
    with pytest.raises(AttributeError):
        errors.TransactionNoSuchThing  # noqa: B018
    with pytest.raises(AttributeError):
        errors.Transaction  # noqa: B018
