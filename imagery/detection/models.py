"""Detection runs and change flags (filled in by the review workflow)."""
