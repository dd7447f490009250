"""RFC 9126 Pushed Authorization Requests: PAR endpoint, request_uri rules, documented "Require PAR"."""
