"""Device authorization grant suite: RFC 8628 (device and user side, polling, user codes)."""
