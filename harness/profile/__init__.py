"""The target profile: where a deployment is, which clients to use, and what it is documented to do.

A profile is a YAML file validated into the typed models below (``extra="forbid"``
everywhere, so a misspelt key is an error, not a silently ignored setting). Strings may
reference environment variables as ``${NAME}`` (``$${`` escapes a literal ``${``); any
``*_file`` path is resolved relative to the profile file. Every problem is reported with
the YAML path of the offending value and a hint, before anything runs.

The models live in one module per section (clients, login, transport, documented, run_settings,
target_profile) and loading.py reads a file into them; this package re-exports them all.
"""

from __future__ import annotations

from harness.profile.clients import (  # noqa: F401
    SECRET_METHODS,
    TLS_METHODS,
    AuthMethod,
    Client,
    ClientDocumented,
    EncryptionSetting,
    User,
)
from harness.profile.documented import (  # noqa: F401
    AccessTokenSettings,
    CibaSettings,
    DeviceSettings,
    Documented,
    DpopSettings,
    IntrospectionSettings,
    ParSettings,
    RefreshSettings,
    ResourceServer,
    RevocationSettings,
)
from harness.profile.loading import (  # noqa: F401
    load_profile,
    parse_profile,
    profile_json_schema,
)
from harness.profile.login import (  # noqa: F401
    BrowserAction,
    BrowserLogin,
    CibaApproval,
    CibaBrowserApproval,
    CibaHttpApproval,
    CibaReceiver,
    DeviceBrowser,
    DeviceHttpForm,
    DeviceLogin,
    FormButton,
    GlewlwydLogin,
    HttpFormLogin,
    Login,
)
from harness.profile.run_settings import (  # noqa: F401
    KeyRotationHook,
    Limits,
    RequestObjectHost,
)
from harness.profile.target_profile import (  # noqa: F401
    TargetProfile,
)
from harness.profile.transport import (  # noqa: F401
    Timeouts,
    Tls,
)

__all__ = [
    "AccessTokenSettings",
    "AuthMethod",
    "BrowserAction",
    "BrowserLogin",
    "CibaApproval",
    "CibaBrowserApproval",
    "CibaHttpApproval",
    "CibaReceiver",
    "CibaSettings",
    "Client",
    "ClientDocumented",
    "DeviceBrowser",
    "DeviceHttpForm",
    "DeviceLogin",
    "DeviceSettings",
    "Documented",
    "DpopSettings",
    "EncryptionSetting",
    "FormButton",
    "GlewlwydLogin",
    "HttpFormLogin",
    "IntrospectionSettings",
    "KeyRotationHook",
    "Limits",
    "Login",
    "ParSettings",
    "RefreshSettings",
    "RequestObjectHost",
    "ResourceServer",
    "RevocationSettings",
    "SECRET_METHODS",
    "TLS_METHODS",
    "TargetProfile",
    "Timeouts",
    "Tls",
    "User",
    "load_profile",
    "parse_profile",
    "profile_json_schema",
]
