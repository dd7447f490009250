"""Transport and browser-facing security: TLS versions and suites, certificates, plain HTTP, security headers."""
