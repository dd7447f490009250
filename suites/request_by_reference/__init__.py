"""Request objects by reference and unsigned (OIDC Core §6.2, RFC 9101 §5.2), redirect URIs registered with a query."""
