"""Discovery suite: RFC 8414 and OpenID Connect Discovery 1.0."""
