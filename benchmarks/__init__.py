"""Benchmarks (not part of the test suite): each figure is reported beside bare eventsourcing."""
