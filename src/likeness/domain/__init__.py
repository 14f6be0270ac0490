"""Entities and value objects. Pure: no I/O, no clock; time is passed in."""
