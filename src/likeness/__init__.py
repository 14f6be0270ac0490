"""Likeness Ledger: consent, compensation and a verifiable ledger for digital replicas."""

__version__ = "0.1.0"
