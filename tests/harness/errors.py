"""The one error type the harness raises when it cannot provide a server.

Why a dedicated type: the pytest plugin turns it into a short usage error (what is
missing and how to get it) instead of a traceback wall.
"""


class ProvisioningError(RuntimeError):
    """A server could not be provided; the message says what is missing and how to fix it."""
