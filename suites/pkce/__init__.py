"""PKCE suite: RFC 7636."""
