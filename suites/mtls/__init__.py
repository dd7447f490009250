"""Mutual TLS (RFC 8705): certificate-bound access tokens, client certificates, mtls_endpoint_aliases."""
