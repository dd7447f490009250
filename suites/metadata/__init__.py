"""Metadata suite: discovery metadata held against observed behaviour, both ways (advertised versus actual)."""
