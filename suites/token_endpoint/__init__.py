"""Token endpoint responses: RFC 6749 §5.1 success format and §5.2 errors for each kind of bad request."""
