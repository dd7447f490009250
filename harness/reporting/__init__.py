"""Report writers: every renderer reads the same result model and computes no verdicts."""
