"""Reliability, fault-injection, bad-input, security, concurrency and scale-out tests."""
