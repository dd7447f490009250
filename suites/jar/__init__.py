"""RFC 9101 / OIDC Core §6 request objects: signed, encrypted, by value, via PAR; "Require Signed Requests"."""
