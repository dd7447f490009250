"""Token introspection: RFC 7662 and JWT responses (RFC 9701)."""
