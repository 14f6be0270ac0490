"""The transparency log's pure core: RFC 6962 hashing and proofs, C2SP signed notes,
checkpoints and tiles, entry encoding and receipts. No I/O; storage is a port."""
