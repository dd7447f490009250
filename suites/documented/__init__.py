"""Documented settings no protocol suite owns: consent approval, AS-wide PAR status, device User Authorization URL."""
