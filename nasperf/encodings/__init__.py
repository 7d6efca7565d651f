"""encodings (see the project issues)."""
