"""Refresh tokens: RFC 6749 §6, RFC 9700 §4.14 and the documented rolling policy."""
