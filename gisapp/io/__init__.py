"""Readers and writers, one format per module; each reader returns (frame, ImportReport)."""
