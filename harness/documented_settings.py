"""Which checks verify each documented setting of the target profile.

The profile's ``documented:`` sections (``Documented`` server-wide, ``ClientDocumented`` per client,
``ResourceServer`` per protected resource, in :mod:`harness.profile`) state what the vendor documents
the deployment does. A user stating a setting believes it is verified, so every setting the profile
model knows is listed here with the ids of the checks that read it and compare the deployment's
behaviour with it (``oauth-harness documented [--json]`` prints this table;
``tests/test_documented_settings.py`` fails when a field of the model has no entry or an entry
names a check that does not exist).

Settings that no check could verify were removed from the model; :data:`REMOVED` keeps their
migration message, which the profile loader reports when an old profile still states one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["REMOVED", "VERIFIED_BY", "DocumentedSetting", "documented_settings", "model_setting_keys",
           "removed_settings_in", "unverified_stated"]


@dataclass(frozen=True)
class DocumentedSetting:
    """One documented setting: its profile key, the checks that verify it and its description."""

    key: str
    checks: tuple[str, ...]
    description: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``oauth-harness documented --json``."""
        return {"key": self.key, "checks": list(self.checks), "description": self.description}


#: Profile key -> ids of the checks that verify it (base ids; a parametrised check counts once).
VERIFIED_BY: dict[str, tuple[str, ...]] = {
    # -- server-wide (documented:)
    "documented.authorization_code_lifetime_s": ("authorization_code.expired_code_refused",),
    "documented.authorization_response_iss": ("authorization_code.iss_in_response",),
    "documented.authorization_code_entropy_bytes": ("token_entropy.documented_code_entropy",),
    "documented.id_token_lifetime_s": ("id_token.documented_lifetime",),
    "documented.access_token.format": ("jwt_access_token.required_claims", "revocation.jwt_access_token_revocation"),
    "documented.access_token.lifetime_s": ("jwt_access_token.lifetime",),
    "documented.access_token.typ": ("jwt_access_token.typ_header",),
    "documented.access_token.signing_alg": ("jwt_access_token.signature", "documented.access_token_hmac_signature",
                                            "documented.access_token_signing_key_size"),
    "documented.access_token.hmac_key": ("documented.access_token_hmac_signature",),
    "documented.access_token.kid_header": ("jwt_access_token.kid_header",),
    "documented.access_token.x5t_header": ("jwt_access_token.x5t_header", "documented.access_token_x5t_certificate"),
    "documented.access_token.client_id_claim": ("jwt_access_token.client_id", "jwt_access_token.required_claims"),
    "documented.access_token.scope_claim": ("jwt_access_token.scope",),
    "documented.access_token.scope_format": ("jwt_access_token.scope",),
    "documented.access_token.jti_length": ("jwt_access_token.jti_length", "jwt_access_token.required_claims"),
    "documented.access_token.audience": ("jwt_access_token.audience",),
    "documented.access_token.encryption": ("jwt_access_token.encrypted_when_documented",
                                           "documented.access_token_jwe_decrypts"),
    "documented.access_token.jwe_kid_header": ("documented.access_token_jwe_headers",),
    "documented.access_token.jwe_x5t_header": ("documented.access_token_jwe_headers",),
    "documented.access_token.issuer": ("jwt_access_token.documented_issuer",),
    "documented.access_token.jwks_url": ("jwt_access_token.documented_jwks_url",),
    "documented.access_token.grant_id_claim": ("jwt_access_token.documented_grant_id_claim",
                                               "documented.jwt_access_token_introspection"),
    "documented.access_token.jwks_cache_duration_s": ("keys.documented_jwks_cache_duration",),
    "documented.access_token.expand_scope_groups": ("documented.scope_groups_expansion",),
    "documented.scope_groups": ("documented.scope_groups_expansion",),
    "documented.access_token.signing_kid": ("documented.access_token_signing_kid",),
    "documented.access_token.omitted_claims": ("documented.access_token_claims_omitted",
                                               "jwt_access_token.required_claims"),
    "documented.access_token.x509_kid_url": ("documented.access_token_x509_urls",),
    "documented.access_token.x509_x5t_url": ("documented.access_token_x509_urls",),
    "documented.pkce_methods": ("pkce.plain_refused_when_not_supported", "pkce.s256_round_trip"),
    "documented.acr_values": ("id_token.acr_essential", "oidc_request.acr_values",
                              "oidc_request.acr_essential_each_documented_value"),
    "documented.exclusive_scopes": ("documented.exclusive_scope_refused",),
    "documented.default_scope_allowed": ("documented.default_scope_allowed",),
    "documented.refresh.rotation": ("refresh.rolling_policy", "refresh.rotated_token_refused"),
    "documented.refresh.reuse_revokes_family": ("refresh.reuse_revokes_family",),
    "documented.refresh.lifetime_s": ("refresh.documented_lifetime",),
    "documented.refresh.rolling_interval_s": ("refresh.rolling_policy",),
    "documented.refresh.grace_period_s": ("refresh.rotated_token_refused", "refresh.reuse_revokes_family"),
    "documented.introspection.client": ("introspection.active_token_metadata", "introspection.foreign_token_inactive"),
    "documented.introspection.jwt_response": ("introspection.jwt_response_media_type",),
    "documented.introspection.jwt_signing_alg": ("introspection.jwt_response_signature",),
    "documented.introspection.foreign_tokens_inactive": ("introspection.foreign_token_inactive",),
    "documented.introspection.jwt_access_tokens": ("documented.jwt_access_token_introspection",),
    "documented.revocation.refresh_revokes_access_tokens": ("revocation.refresh_revocation_revokes_access_tokens",),
    "documented.par.request_uri_lifetime_s": ("par.response_format", "par.expired_request_uri_refused"),
    "documented.par.request_uri_single_use": ("par.request_uri_single_use",),
    "documented.par.status": ("documented.par_status",),
    "documented.device.polling_interval_s": ("device.documented_polling_interval",),
    "documented.device.code_lifetime_s": ("device.documented_code_lifetime", "device.expired_code_refused"),
    "documented.device.slow_down": ("device.slow_down_when_polling_too_fast",),
    "documented.device.bypass_activation_code_confirmation": ("device.complete_uri_asks_confirmation",),
    "documented.device.verification_uri": ("documented.device_verification_uri",),
    "documented.ciba.polling_interval_s": ("ciba.documented_polling_interval",),
    "documented.ciba.request_lifetime_s": ("ciba.poll_expired_token", "documented.ciba_request_lifetime"),
    "documented.ciba.slow_down": ("ciba.poll_slow_down",),
    "documented.ciba.user_code": ("ciba.documented_user_code",),
    "documented.dpop.nonce_required": ("dpop.nonce_at_token_endpoint",),
    "documented.dpop.replay_prevention": ("dpop.replayed_proof_refused_at_token_endpoint",
                                          "dpop.replayed_proof_refused_at_resource"),
    # the harness as relying party (PingAM OpenID Connect module settings)
    "documented.relying_party.client": ("id_token.documented_relying_party",),
    "documented.relying_party.accepted_issuer": ("id_token.documented_relying_party",),
    "documented.relying_party.accepted_audiences": ("id_token.documented_relying_party",),
    "documented.relying_party.accepted_authorized_parties": ("id_token.documented_relying_party",),
    "documented.relying_party.key_source": ("id_token.documented_relying_party",),
    "documented.relying_party.jwks_url": ("id_token.documented_relying_party",),
    # -- per protected resource (documented.resources[])
    "documented.resources[].url": ("dpop.resource_accepts_valid_proof",
                                   "mtls.resource_accepts_bound_token_with_certificate"),
    "documented.resources[].access_token_format": ("jwt_access_token.required_claims",),
    "documented.resources[].audience": ("jwt_access_token.audience",),
    "documented.resources[].dpop": ("dpop.resource_accepts_valid_proof",),
    "documented.resources[].mtls": ("mtls.resource_accepts_bound_token_with_certificate",
                                    "mtls.resource_refuses_bound_token_without_certificate"),
    "documented.resources[].scope": ("jwt_access_token.scope",),
    "documented.resources[].method": ("dpop.resource_accepts_valid_proof",),
    "documented.resources[].dpop_nonce_required": ("dpop.nonce_at_resource",),
    "documented.resources[].jwks_file": ("confirmation.cnf_of_dpop_bound_tokens",
                                         "documented.access_token_jwe_decrypts",
                                         "documented.access_token_jwe_headers"),
    "documented.resources[].fetch_jku": ("confirmation.cnf_of_dpop_bound_tokens",),
    "documented.resources[].access_token_lifetime_s": ("jwt_access_token.lifetime",
                                                       "introspection.expired_token_inactive"),
    # -- per client (clients[].documented)
    "clients[].documented.require_pkce": ("pkce.documented_require_pkce_enforced",
                                          "pkce.public_client_without_challenge_refused"),
    "clients[].documented.require_par": ("par.documented_require_par",),
    "clients[].documented.require_signed_requests": ("jar.documented_require_signed_requests",
                                                     "jar.documented_require_signed_requests_at_par",
                                                     "jar.unsigned_refused",
                                                     "documented.signed_request_inside_wins"),
    "clients[].documented.request_object_signing_alg": ("jar.unregistered_alg_refused",),
    "clients[].documented.request_object_encryption": ("jar.signed_request_via_par",),
    "clients[].documented.request_object_max_lifetime_s": ("jar.lifetime_window_refused",),
    # refused without a JWT mode; each of jwt, query.jwt, fragment.jwt, form_post.jwt accepted (the
    # JARM checks pick the client documented with require_jarm first)
    "clients[].documented.require_jarm": ("jarm.documented_require_jarm", "jarm.response_mode",
                                          "documented.jarm_query_jwt_implicit_refused",
                                          "documented.jarm_implicit_modes"),
    "clients[].documented.restrict_response_types": ("response_types.documented_restriction_enforced",),
    "clients[].documented.restrict_scopes": ("authorization_code.documented_scope_restriction",),
    "clients[].documented.jarm_signing_alg": ("jarm.signature",),
    "clients[].documented.jarm_encryption": ("jarm.encrypted_response", "documented.jarm_implicit_modes"),
    "clients[].documented.id_token_signing_alg": ("id_token.alg_is_registered_and_not_none", "id_token.hs256_id_token"),
    "clients[].documented.id_token_encryption": ("id_token.encrypted_id_token",
                                                 "metadata.id_token_encryption_matches_behaviour",
                                                 "documented.id_token_encrypted_with_secret"),
    "clients[].documented.userinfo_signing_alg": ("userinfo.signed_response",),
    "clients[].documented.userinfo_encryption": ("userinfo.encrypted_response",),
    "clients[].documented.refresh_token_rolling": ("refresh.rolling_policy", "refresh.rotated_token_refused"),
    # per-client overrides of documented.refresh.rolling_interval_s / grace_period_s (the client's value, else the
    # server-wide one, is what the refresh checks read for that client)
    "clients[].documented.refresh_token_rolling_interval_s": ("refresh.client_rolling_interval",
                                                             "refresh.rolling_policy",
                                                             "refresh.rotated_token_refused"),
    "clients[].documented.refresh_token_grace_period_s": ("refresh.client_grace_period",
                                                         "refresh.rotated_token_refused",
                                                         "refresh.reuse_revokes_family"),
    "clients[].documented.assertion_replay_prevention": ("client_auth.assertion_replay_refused",),
    "clients[].documented.token_endpoint_auth_signing_alg": ("client_auth.assertion_documented_alg_enforced",),
    "clients[].documented.dpop_bound": ("dpop.token_response_is_dpop",),
    "clients[].documented.certificate_bound": ("mtls.certificate_bound_token_jwt",
                                               "mtls.certificate_bound_token_introspection"),
    "clients[].documented.confirmation_members": ("documented.confirmation_members",),
    "clients[].documented.tls_subject_dn": ("mtls.other_subject_dn_refused",),
    "clients[].documented.other_subject_dn_certificate.cert_file": ("mtls.other_subject_dn_refused",),
    "clients[].documented.other_subject_dn_certificate.key_file": ("mtls.other_subject_dn_refused",),
    "clients[].documented.ciba_delivery_mode": ("ciba.ping_notification",
                                                "metadata.ciba_delivery_mode_matches_behaviour"),
    "clients[].documented.ciba_notification_endpoint": ("ciba.ping_notification",
                                                        "ciba.ping_requires_notification_token"),
    "clients[].documented.ciba_signed_requests": ("ciba.signed_request_required",),
    "clients[].documented.ciba_request_signing_alg": ("ciba.signed_request_wrong_alg_refused",),
    "clients[].documented.request_object_replay_prevention": ("jar.documented_request_object_replay_refused",
                                                              "documented.request_object_replay_by_reference"),
    "clients[].documented.outside_parameters_ignored": ("jar.documented_outside_only_parameter_ignored",),
    "clients[].documented.enabled": ("client_auth.documented_disabled_client_refused",),
    "clients[].documented.bypass_authorization_approval": ("documented.authorization_approval",),
    "clients[].documented.redirect_uri_wildcards": ("documented.redirect_uri_wildcard",
                                                    "documented.redirect_uri_mandatory"),
    "clients[].documented.redirect_uri_required": ("documented.redirect_uri_mandatory",),
    "clients[].documented.reuse_existing_grants": ("documented.existing_grant_reused",),
    "clients[].documented.pairwise_identifier": ("documented.pairwise_subject",),
    "clients[].documented.persistent_grant_max_lifetime_s": ("documented.persistent_grant_max_lifetime",),
    "clients[].documented.persistent_grant_idle_timeout_s": ("documented.persistent_grant_idle_timeout",),
    "clients[].documented.introspection_encryption": ("documented.introspection_encrypted",),
    "clients[].documented.device_polling_interval_s": ("documented.client_device_settings",),
    "clients[].documented.device_code_lifetime_s": ("documented.client_device_settings",),
    "clients[].documented.ciba_polling_interval_s": ("documented.client_ciba_polling_interval",),
    "clients[].documented.sector_identifier_uri": ("documented.sector_identifier_shared",),
    "clients[].documented.request_uris": ("request_by_reference.signed_by_reference",
                                          "request_by_reference.unsigned_by_reference",
                                          "request_by_reference.unfetchable_request_uri_refused"),
}

#: Settings removed from the model because no externally observable behaviour verifies them.
REMOVED: dict[str, str] = {
    "documented.revocation.client": (
        "removed: no check could verify it. RFC 7009 §2.1 has the server verify \"whether the token was issued "
        "to the client making the revocation request\", so the revocation checks revoke every token as the "
        "client it was issued to; delete the key (a client that may introspect other clients' tokens is "
        "documented.introspection.client)"),
}


def _leaf_fields(model: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """``(key, description)`` of every leaf field of a documented-settings model (nested models expanded)."""
    from pydantic import BaseModel

    from harness.profile import EncryptionSetting, ResourceServer

    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = [t for t in (annotation, *getattr(annotation, "__args__", ()))
                  if isinstance(t, type) and issubclass(t, BaseModel)
                  and t is not EncryptionSetting and t is not ResourceServer]
        if nested:
            yield from _leaf_fields(nested[0], f"{prefix}{name}.")
        elif name == "resources":
            yield from _leaf_fields(ResourceServer, f"{prefix}resources[].")
        else:
            yield f"{prefix}{name}", field.description or ""


def model_setting_keys() -> dict[str, str]:
    """Every documented setting the profile model knows, with its description."""
    from harness.profile import ClientDocumented, Documented

    return dict([*_leaf_fields(Documented, "documented."), *_leaf_fields(ClientDocumented, "clients[].documented.")])


def documented_settings() -> list[DocumentedSetting]:
    """The table ``oauth-harness documented`` prints: each setting with the checks that verify it."""
    return [DocumentedSetting(key=key, checks=VERIFIED_BY.get(key, ()), description=description)
            for key, description in model_setting_keys().items()]


def removed_settings_in(data: Any) -> list[str]:
    """Migration errors for removed documented settings that raw profile ``data`` still states."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return problems
    documented = data.get("documented")
    for key, message in REMOVED.items():
        parts = key.split(".")
        if parts[0] != "documented" or not isinstance(documented, dict):
            continue
        node: Any = documented
        for part in parts[1:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and parts[-1] in node:
            problems.append(f"{key}: {message}")
    return problems


def unverified_stated(profile: Any) -> list[str]:
    """Documented settings the profile states explicitly that no check verifies (the loader refuses them)."""
    from pydantic import BaseModel

    stated: set[str] = set()

    def walk(model: BaseModel, prefix: str) -> None:
        for name in model.model_fields_set:
            value, key = getattr(model, name), f"{prefix}{name}"
            if name == "resources" and isinstance(value, list):
                for entry in value:
                    walk(entry, f"{prefix}resources[].")
            elif isinstance(value, BaseModel) and key not in VERIFIED_BY:
                walk(value, key + ".")
            elif not VERIFIED_BY.get(key):
                stated.add(key)

    walk(profile.documented, "documented.")
    for client in profile.clients:
        walk(client.documented, "clients[].documented.")
    return sorted(stated)


def render_text(settings: list[DocumentedSetting]) -> str:
    """The human-readable table of ``oauth-harness documented``: key, then the verifying check ids."""
    width = max(len(s.key) for s in settings)
    lines = [f"{s.key:<{width}}  {', '.join(s.checks) or '(no check: refused by the profile loader)'}"
             for s in settings]
    verified = sum(1 for s in settings if s.checks)
    lines.append(f"\n{len(settings)} documented settings, {verified} verified by at least one check")
    return "\n".join(lines)
