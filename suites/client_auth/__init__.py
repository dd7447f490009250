"""Client authentication at the token endpoint: RFC 6749 §2.3/§5.2, RFC 7523, OpenID Connect Core §9, RFC 8705."""
