"""predictors (see the project issues)."""
