"""Token revocation: RFC 7009."""
