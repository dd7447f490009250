"""JARM: JWT-secured authorization responses in every response mode, signed and encrypted, documented "Require JARM"."""
