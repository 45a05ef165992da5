"""Helpers that the test suite and the benchmark share: real servers, never mocks."""
