"""UserInfo suite: OpenID Connect Core §5.3 and RFC 6750 bearer token use at the UserInfo Endpoint."""
