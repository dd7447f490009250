"""Confirmation claims (RFC 7800): every cnf the target issues is well formed and names the key actually used."""
