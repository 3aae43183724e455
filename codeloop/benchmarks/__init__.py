"""Task model, suite loaders and the iterative-rounds protocol (see the suites issue)."""
