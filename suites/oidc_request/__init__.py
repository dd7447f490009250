"""OIDC request suite: scope values and the claims parameter, prompt, max_age, hints, display and locales."""
