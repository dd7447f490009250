"""Entropy of access tokens, refresh tokens and device codes (RFC 6749 §10.10, RFC 8628 §5.2)."""
