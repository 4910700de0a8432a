"""Offline guard: with ``DISTILLBOOK_OFFLINE=1``, every Python process refuses network connections.

`make test` and `make book` put ``src/booktools/site`` (whose ``sitecustomize.py`` calls
:func:`install_if_enabled`) and ``src`` on ``PYTHONPATH``, so Python loads the guard at start-up in the test
process, in Sphinx, and in every notebook kernel they launch (kernels inherit the environment). Connections over
loopback (127.0.0.0/8, ::1, "localhost") and Unix sockets stay allowed: a kernel talks to its client over loopback
TCP. Anything else raises :class:`NetworkBlockedError` *before* a packet leaves, and is appended to the file named
by ``DISTILLBOOK_NETLOG`` (if set), so an attempt that some library catches and hides still fails the make target
afterwards. Uses only the standard library.

Why home-made: pytest-socket (the usual tool) patches sockets only inside the pytest process, as a pytest plugin;
the notebook kernels that nbval and the build start are separate processes it never reaches, and Sphinx is not a
pytest run at all. A ``sitecustomize`` on ``PYTHONPATH`` reaches every one of them; the whole guard is the ~60
lines below.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

ENABLE_VARIABLE = "DISTILLBOOK_OFFLINE"
LOG_VARIABLE = "DISTILLBOOK_NETLOG"
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(ConnectionRefusedError):
    """A network connection was attempted while the book must build and test offline."""


def is_local(host: object) -> bool:
    """Return whether ``host`` (an address or name, as given to connect/getaddrinfo) is this machine's loopback."""
    if host is None:
        return True  # getaddrinfo(None, port) asks for the local wildcard or loopback address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOCAL_NAMES or name == "":
        return True  # "" is the local wildcard address: no name look-up, nothing leaves the machine
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # a host name other than localhost would need DNS: refuse it
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _allowed(family: int, address: object) -> bool:
    if family == getattr(socket, "AF_UNIX", object()) or family == getattr(socket, "AF_NETLINK", object()):
        return True
    if isinstance(address, tuple) and address:
        return is_local(address[0])
    return False


def _record(what: str) -> None:
    log = os.environ.get(LOG_VARIABLE)
    if log:
        try:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}): {what}\n")
        except OSError:
            pass


def _refuse(what: str) -> NetworkBlockedError:
    _record(what)
    return NetworkBlockedError(
        f"offline guard: blocked {what}; the book's tests and build must not use the network "
        f"({ENABLE_VARIABLE}=1, see booktools/offline.py)"
    )


def install() -> None:
    """Patch ``socket`` so non-loopback connects, sends and name look-ups raise :class:`NetworkBlockedError`."""
    if getattr(socket.socket, "_distillbook_guarded", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if not _allowed(self.family, address):
            raise _refuse(f"a connection to {address!r}")
        return original_connect(self, address)

    def connect_ex(self, address):
        if not _allowed(self.family, address):
            raise _refuse(f"a connection to {address!r}")
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if not _allowed(self.family, address):
            raise _refuse(f"a datagram to {address!r}")
        return original_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if not is_local(host):
            raise _refuse(f"a name look-up of {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket.socket._distillbook_guarded = True


def install_if_enabled() -> None:
    """Install the guard when ``DISTILLBOOK_OFFLINE=1`` (what ``site/sitecustomize.py`` runs at start-up)."""
    if os.environ.get(ENABLE_VARIABLE) == "1":
        install()
