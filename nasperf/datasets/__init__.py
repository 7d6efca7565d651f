"""Benchmark tables, fidelities, image batches and surrogates."""
