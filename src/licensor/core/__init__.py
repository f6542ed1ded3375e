"""Shared machinery: money, errors, clock, database, jobs, events, audit, mail, payments, idempotency. Imports no capability."""
