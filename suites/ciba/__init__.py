"""CIBA suite: OpenID Connect Client-Initiated Backchannel Authentication Core (poll, ping, push, signed requests)."""
