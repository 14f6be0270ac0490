"""The ``likeness`` command line (Typer + Rich), calling services through the composition root."""
