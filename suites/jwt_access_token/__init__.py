"""JWT access tokens: RFC 9068 and the documented token-manager settings (PingFederate JSON Token Management)."""
