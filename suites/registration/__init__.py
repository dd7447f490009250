"""Dynamic client registration (RFC 7591, OIDC Registration 1.0) and management (RFC 7592)."""
