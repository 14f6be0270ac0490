"""HTTP entry points. For now the transparency log's tile server; the full API lands later."""
