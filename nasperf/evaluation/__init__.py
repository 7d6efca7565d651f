"""evaluation (see the project issues)."""
