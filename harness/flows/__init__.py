"""Flow building blocks: the happy path, with hooks to change exactly one step."""
