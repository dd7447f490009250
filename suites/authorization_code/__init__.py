"""Authorization-code suite: RFC 6749 §4.1, OIDC Core §3.1, RFC 9207."""
