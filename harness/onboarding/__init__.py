"""First contact with a new deployment: a starter profile from discovery, and a pre-flight check."""
