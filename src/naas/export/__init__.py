"""Exports of a design and its mappings to the peer tools' input formats (Timeloop, ZigZag)."""
