"""Use cases: the one place where domain, rules, ledger, recognition and store meet."""
