"""Launchers of real, independent servers for interoperability runs."""
