"""DPoP (RFC 9449): bound tokens, nonces, proof validation at the token endpoint and at a protected resource."""
