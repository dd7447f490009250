"""Signing keys across a rotation (OIDC Core §10.1, §10.1.1)."""
