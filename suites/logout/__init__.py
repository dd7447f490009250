"""Logout suite: OIDC RP-Initiated, Back-Channel and Front-Channel Logout, Session Management 1.0."""
