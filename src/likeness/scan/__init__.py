"""Clearance scans: decode media, find and track faces and voices, build appearances."""
