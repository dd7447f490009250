"""Response types and modes: every OIDC response type the target advertises, default modes, nonce, hashes, form_post."""
