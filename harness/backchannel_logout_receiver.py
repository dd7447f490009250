"""The back-channel logout URI the harness hosts for a client (OIDC Back-Channel Logout 1.0 §2.5, §2.8).

A loopback HTTPS listener (the CIBA notification receiver's server, :mod:`harness.ciba_receiver`)
at the client's registered ``backchannel_logout_uri``, with the server certificate from the
profile's ``logout.receiver``. It records every request to that path and answers ``200 OK``
(§2.8: "If the logout succeeded, the RP MUST respond with HTTP 200 OK"). Checks start it
around the one logout they perform and read what arrived with :meth:`wait_for`.
"""

from __future__ import annotations

from harness.ciba_receiver import Notification, NotificationReceiver
from harness.profile import TargetProfile
from harness.profile.clients import Client
from harness.results import ProfileError

__all__ = ["BackchannelLogoutReceiver", "Notification", "receiver_for"]


class BackchannelLogoutReceiver(NotificationReceiver):
    """An HTTPS listener for one ``backchannel_logout_uri``; answers 200 with no body."""

    service_name = "the back-channel logout URI"
    thread_name = "backchannel-logout-receiver"


def receiver_for(profile: TargetProfile, client: Client) -> BackchannelLogoutReceiver:
    """The receiver for ``client``'s ``backchannel_logout_uri`` (a :class:`ProfileError` without certificate)."""
    uri = client.logout.backchannel_logout_uri
    if uri is None:
        raise ProfileError(f"client {client.id} has no logout.backchannel_logout_uri")
    settings = profile.logout.receiver
    if settings.cert_file is None or settings.key_file is None:
        raise ProfileError("logout.receiver.cert_file/key_file are needed to host the back-channel logout URI "
                           f"{uri} (a certificate the target trusts)")
    return BackchannelLogoutReceiver(uri, cert_file=settings.cert_file, key_file=settings.key_file,
                                     listen_host=settings.listen_host, listen_port=settings.listen_port, status=200)
