"""FAPI 2.0 Security Profile (Final) checks (issue 19)."""
