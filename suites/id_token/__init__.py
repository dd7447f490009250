"""ID token suite: OpenID Connect Core ID Token validation."""
