"""Raw TLS handshakes to the target's origins: which protocol versions and cipher suites it accepts.

The transport suite asks questions the HTTP client cannot (it always negotiates the best it can):
"does this origin complete a TLS 1.0 handshake?", "does it agree to a static-RSA suite?". Each
question is one handshake with Python's ``ssl`` module, the protocol range and cipher list pinned
on a fresh ``SSLContext``:

* only hosts:ports of the profile's https origins are probed (the HTTP client's allow-list,
  :attr:`harness.http.TargetHttp.allowed_origins`); any other origin is refused with
  :class:`~harness.http.OutsideTarget` before a socket is opened;
* the connect is bounded by ``timeouts.connect`` and the whole handshake (resolve, connect, TLS)
  by the exchange deadline (``timeouts.exchange``): a watchdog shuts the socket down when it
  passes, so a server that accepts and never answers ends the probe with ``timed_out`` instead of
  holding the run;
* probes never send application data (no request, no credential): the handshake is the question;
* every probe is written to the check's evidence as a note (what was offered, what came back).

Ciphers this platform's OpenSSL cannot offer at all (RC4, DES, export suites are gone from
OpenSSL 3) are reported as *not offerable* rather than as refused by the target.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness import evidence
from harness.http import OutsideTarget, origin_of, resolve_within

TLS_VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
"""Protocol names as ``SSLSocket.version()`` reports them."""

_HAS_VERSION = {"TLSv1": ssl.HAS_TLSv1, "TLSv1.1": ssl.HAS_TLSv1_1, "TLSv1.3": ssl.HAS_TLSv1_3}


class CannotOffer(Exception):
    """The platform's OpenSSL cannot offer what the probe asks for (a version or a cipher list)."""


@dataclass(frozen=True)
class Handshake:
    """What one pinned handshake with an origin came to."""

    origin: str
    offered: str
    established: bool
    version: str | None = None
    cipher: str | None = None
    error: str | None = None
    timed_out: bool = False
    unreachable: bool = False
    certificate_der: bytes | None = None
    elapsed_s: float = 0.0

    def describe(self) -> str:
        """One line for evidence and findings."""
        if self.established:
            return f"{self.origin}: {self.version} {self.cipher} negotiated (offered {self.offered})"
        why = "no answer within the deadline" if self.timed_out else self.error or "refused"
        return f"{self.origin}: no handshake (offered {self.offered}): {why}"


@dataclass(frozen=True)
class Endpoint:
    """Where one https origin is (host for SNI and name checks, the port to connect to)."""

    origin: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return cls(origin=origin_of(url), host=host, port=parts.port or 443)


@dataclass
class TlsProber:
    """Pinned TLS handshakes to the https origins a profile names, bounded by its deadlines."""

    allowed_origins: set[str]
    connect_timeout: float
    deadline_s: float
    ca_file: Path | None = None
    probes: list[Handshake] = field(default_factory=list)

    def endpoint(self, url: str) -> Endpoint:
        """The endpoint of an https URL on an allowed origin (else :class:`OutsideTarget`)."""
        endpoint = Endpoint.of(url)
        if not endpoint.origin.startswith("https://") or endpoint.origin not in self.allowed_origins:
            raise OutsideTarget(f"refusing to probe {endpoint.origin}: not an https origin of the target profile")
        return endpoint

    def context(self, *, min_version: str, max_version: str, ciphers: str | None = None,
                verify: bool = False) -> ssl.SSLContext:
        """A client context pinned to the version range and cipher list (``CannotOffer`` if impossible)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if verify:
            ctx.load_verify_locations(cafile=str(self.ca_file)) if self.ca_file else ctx.load_default_certs()
            ctx.check_hostname = True
            ctx.verify_mode = ssl.CERT_REQUIRED
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        try:
            with warnings.catch_warnings():  # TLSVersion.TLSv1/TLSv1_1 are deprecated: asking about them is the point
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = TLS_VERSIONS[min_version]
                ctx.maximum_version = TLS_VERSIONS[max_version]
            # SECLEVEL=0: the probe must be able to *offer* what the target must refuse
            ctx.set_ciphers(f"{ciphers or 'ALL'}:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as exc:
            raise CannotOffer(f"{min_version}..{max_version} {ciphers or 'ALL'}: {exc}") from exc
        if not _HAS_VERSION.get(min_version, True):
            raise CannotOffer(f"this platform's OpenSSL ({ssl.OPENSSL_VERSION}) cannot offer {min_version}")
        return ctx

    def handshake(self, url: str, *, min_version: str = "TLSv1.2", max_version: str = "TLSv1.3",
                  ciphers: str | None = None, verify: bool = False) -> Handshake:
        """One handshake with the origin of ``url``, offering exactly the given range and ciphers."""
        endpoint = self.endpoint(url)
        offered = (min_version if min_version == max_version else f"{min_version}..{max_version}") + (
            f" {ciphers}" if ciphers else "")
        ctx = self.context(min_version=min_version, max_version=max_version, ciphers=ciphers, verify=verify)
        result = self._run(endpoint, ctx, offered)
        self.probes.append(result)
        evidence.note(f"TLS probe {result.describe()} [{result.elapsed_s:.2f}s]")
        return result

    def _run(self, endpoint: Endpoint, ctx: ssl.SSLContext, offered: str) -> Handshake:
        started = time.monotonic()
        expired = threading.Event()
        holder: list[socket.socket] = []
        lock = threading.Lock()

        def cut() -> None:
            with lock:
                expired.set()
                for sock in holder:
                    try:
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)
                    except OSError:
                        pass

        timer = threading.Timer(self.deadline_s, cut)
        timer.daemon = True
        timer.start()

        def remaining() -> float:
            return max(self.deadline_s - (time.monotonic() - started), 0.001)

        def ended(**kwargs: object) -> Handshake:
            return Handshake(origin=endpoint.origin, offered=offered, elapsed_s=time.monotonic() - started,
                             **kwargs)  # type: ignore[arg-type]

        try:
            try:
                address = resolve_within(endpoint.host, endpoint.port, min(self.connect_timeout, remaining()))
                raw = socket.create_connection((address, endpoint.port), timeout=min(self.connect_timeout,
                                                                                       remaining()))
            except OSError as exc:
                if expired.is_set() or isinstance(exc, TimeoutError):
                    return ended(established=False, timed_out=True, unreachable=True,
                                 error=f"connect: {type(exc).__name__}: {exc}")
                return ended(established=False, unreachable=True, error=f"connect: {type(exc).__name__}: {exc}")
            except Exception as exc:  # httpcore's resolver errors  # noqa: BLE001
                return ended(established=False, unreachable=True, error=f"resolve: {exc}")
            with lock:
                holder.append(raw)
                if expired.is_set():
                    cut()
            try:
                raw.settimeout(remaining())
                with ctx.wrap_socket(raw, server_hostname=endpoint.host) as tls:
                    return ended(established=True, version=tls.version(), cipher=(tls.cipher() or (None,))[0],
                                 certificate_der=tls.getpeercert(binary_form=True))
            except ssl.SSLCertVerificationError as exc:
                return ended(established=False, error=f"certificate: {exc.verify_message or exc}")
            except (ssl.SSLError, OSError) as exc:
                if expired.is_set() or isinstance(exc, TimeoutError):
                    return ended(established=False, timed_out=True,
                                 error=f"no handshake within {self.deadline_s:g}s (timeouts.exchange)")
                return ended(established=False, error=f"{type(exc).__name__}: {_reason(exc)}")
            finally:
                raw.close()
        finally:
            timer.cancel()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def prober_for(allowed_origins: set[str], *, connect_timeout: float, deadline_s: float,
               ca_file: Path | None) -> TlsProber:
    """A prober confined to the https origins among ``allowed_origins``."""
    return TlsProber(allowed_origins={o for o in allowed_origins if o.startswith("https://")},
                     connect_timeout=connect_timeout, deadline_s=deadline_s, ca_file=ca_file)


def offerable(ciphers: str, *, max_version: str = "TLSv1.2") -> list[str]:
    """The OpenSSL names of the TLS 1.2 (and older) suites in ``ciphers`` this platform can offer."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        ctx.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    except ssl.SSLError:
        return []
    return [str(c["name"]) for c in ctx.get_ciphers() if c.get("protocol") != "TLSv1.3"]
