"""Defect map of the request_by_reference suite (area request_by_reference, issue 17 item 5)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "request_uri_unfetchable_ignored": ["request_by_reference.unfetchable_request_uri_refused"],
    "redirect_uri_query_ignored": ["request_by_reference.redirect_uri_with_changed_query_refused"],
    "redirect_uri_query_dropped": ["request_by_reference.redirect_uri_with_query_accepted"],
    # a request_protection defect: unsigned objects accepted whatever the client registered
    "jar_alg_none_accepted": ["request_by_reference.unsigned_refused_for_registered_alg"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "jar.request_uri_by_reference": "skipped on the reference target, which supports request_uri by reference "
                                    "(area request_by_reference): the 'not supported' branch runs where discovery "
                                    "says request_uri_parameter_supported false; its judging is unit-tested "
                                    "(tests/specs/test_rfc9101.py); defect jar_request_uri_wrong_error is unmapped",
    "request_by_reference.signed_by_reference": "accept case: a signed request object served at request_uri is "
                                                "fetched and used (OIDC Core §6.2.3)",
    "request_by_reference.unsigned_by_reference": "accept case: an unsigned object at request_uri for a client "
                                                  "registered with none",
    "request_by_reference.unsigned_by_value_where_registered": "accept case: an unsigned object by value for a "
                                                               "client registered with none",
}
