# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""supervisord's XML-RPC interface, and waits on its process states.

Private to the collection. Talks to ``[rpcinterface:supervisor]`` over a unix socket
(``unix:///path/supervisor.sock``) or HTTP (``http://host:port``) with supervisor's own
``SupervisorTransport``; never parses ``supervisorctl`` output.

Process info is supervisord's own dict (``getProcessInfo``): ``name``, ``group``,
``statename`` (STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN),
``pid``, ``start``/``stop``/``now`` (epoch seconds), ``spawnerr``, ``exitstatus``,
``stdout_logfile``, ``stderr_logfile``, ``description``.

Errors: ``SupervisorUnavailable`` when supervisord does not answer (no socket, refused,
timed out); ``SupervisorError`` for faults it returns (unknown program, spawn error) and for
waits that end in a failed state or run out of time.
"""

from __future__ import annotations

import socket
import time
import xmlrpc.client

try:
    from supervisor.xmlrpc import SupervisorTransport, UnixStreamHTTPConnection

    HAS_SUPERVISOR = True
    SUPERVISOR_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through the modules
    HAS_SUPERVISOR = False
    SUPERVISOR_IMPORT_ERROR = exc
    SupervisorTransport = object
    UnixStreamHTTPConnection = object

RUNNING = "RUNNING"
#: States a start cannot leave by itself (supervisord gave up, or the process ended).
#: STOPPED is not among them: autostart programs are STOPPED for a moment after supervisord boots.
FAILED_STATES = frozenset(("FATAL", "EXITED", "UNKNOWN"))
#: States that change by themselves while a start is in progress.
TRANSIENT_STATES = frozenset(("STARTING", "BACKOFF", "STOPPING"))


class SupervisorError(Exception):
    """supervisord answered with a fault, or a process did not reach the wanted state."""


class SupervisorUnavailable(SupervisorError):
    """supervisord does not answer at the URL."""


class _TimeoutTransport(SupervisorTransport):
    """``SupervisorTransport`` whose connections time out after ``timeout`` seconds."""

    def __init__(self, username, password, serverurl, timeout):
        super().__init__(username, password, serverurl)
        make = self._get_connection

        def get_connection():
            conn = make()
            conn.timeout = timeout
            if isinstance(conn, UnixStreamHTTPConnection):
                def connect(conn=conn):
                    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    sock.settimeout(timeout)
                    sock.connect(conn.socketfile)
                    conn.sock = sock

                conn.connect = connect
            return conn

        self._get_connection = get_connection


#: argument_spec entries of the supervisord connection (documented by the
#: aisystem.fleet.supervisor doc fragment).
CONNECTION_ARGUMENT_SPEC = dict(
    supervisor_url=dict(type="str", default="unix:///var/run/supervisor.sock", aliases=["url"]),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
)


class SupervisorClient:
    """Small client over supervisord's ``supervisor.*`` XML-RPC namespace.

    :param url: ``unix:///path/to/supervisor.sock`` or ``http://host:port``.
    :param username: optional; with ``password``, sent as HTTP basic auth.
    :param timeout: seconds for each XML-RPC call.
    :param proxy: an object with a ``supervisor`` attribute, for tests; replaces the connection.
    """

    @classmethod
    def from_params(cls, params, timeout=10.0):
        """A client from module parameters that follow ``CONNECTION_ARGUMENT_SPEC``."""
        return cls(params["supervisor_url"], params["username"], params["password"], timeout)

    def __init__(self, url, username=None, password=None, timeout=10.0, proxy=None):
        self.url = url
        if proxy is None:
            if not url.startswith(("unix://", "http://")):
                raise SupervisorError("supervisor URL must start with unix:// or http://, got %r" % url)
            transport = _TimeoutTransport(username, password, url, timeout)
            proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        self._proxy = proxy

    def _call(self, method, *args):
        try:
            return getattr(self._proxy.supervisor, method)(*args)
        except xmlrpc.client.Fault as exc:
            raise SupervisorError("supervisord at %s: %s(%s): %s" % (
                self.url, method, ", ".join(repr(a) for a in args), exc.faultString)) from None
        except xmlrpc.client.ProtocolError as exc:
            raise SupervisorUnavailable("supervisord at %s answered HTTP %s %s (credentials?)" % (
                self.url, exc.errcode, exc.errmsg)) from None
        except (OSError, socket.timeout) as exc:
            raise SupervisorUnavailable("supervisord at %s does not answer: %s" % (self.url, exc)) from None

    def state(self):
        """supervisord's own state, e.g. ``{"statecode": 1, "statename": "RUNNING"}``."""
        return self._call("getState")

    def pid(self):
        """supervisord's pid."""
        return self._call("getPID")

    def all_processes(self):
        """Info dicts of every program process."""
        return self._call("getAllProcessInfo")

    def process(self, name):
        """Info dict of one process (``name`` or ``group:name``)."""
        return self._call("getProcessInfo", name)

    def start(self, name, wait=True):
        """``startProcess``; with ``wait`` supervisord returns once RUNNING (after startsecs)."""
        return self._call("startProcess", name, wait)

    def stop(self, name, wait=True):
        """``stopProcess``."""
        return self._call("stopProcess", name, wait)

    def stderr_tail(self, name, length=2048):
        """The last ``length`` bytes of the process's stderr log, as text ('' when none)."""
        try:
            text, _offset, _overflow = self._call("tailProcessStderrLog", name, 0, length)
        except SupervisorUnavailable:
            raise
        except SupervisorError:
            return ""
        return text

    def wait_running(self, names=None, timeout=30.0, interval=0.1, clock=time.monotonic, sleep=time.sleep):
        """Wait until every named process (all when ``names`` is None) is RUNNING.

        Stops early when one reaches a state a start cannot leave (FATAL, EXITED, UNKNOWN).

        :returns: list of info dicts, all RUNNING.
        :raises SupervisorError: naming each process not RUNNING with its state, ``spawnerr``
            and the tail of its stderr log, on a failed state or after ``timeout`` seconds.
        """
        deadline = clock() + timeout
        while True:
            infos = self.all_processes()
            if names is not None:
                by_name = {i["name"]: i for i in infos}
                missing = [n for n in names if n not in by_name]
                if missing:
                    raise SupervisorError("supervisord at %s has no program %s" % (self.url, ", ".join(missing)))
                infos = [by_name[n] for n in names]
            pending = [i for i in infos if i["statename"] != RUNNING]
            failed = [i for i in pending if i["statename"] in FAILED_STATES]
            if not pending:
                return infos
            if failed or clock() >= deadline:
                message = self.describe_not_running(failed or pending, timed_out=not failed, timeout=timeout)
                raise SupervisorError(message)
            sleep(interval)

    def describe_not_running(self, infos, timed_out=False, timeout=None):
        """One message for processes that are not RUNNING, with state, spawnerr, stderr tail."""
        head = ("not RUNNING after %ss" % timeout) if timed_out else "failed to start"
        parts = []
        for info in infos[:5]:
            tail = self.stderr_tail(info["name"], 800).strip()
            parts.append("%s is %s%s%s" % (
                info["name"], info["statename"],
                " (spawnerr: %s)" % info["spawnerr"] if info.get("spawnerr") else "",
                "; stderr tail: %s" % tail[-400:] if tail else ""))
        more = " (and %d more)" % (len(infos) - 5) if len(infos) > 5 else ""
        return "%s: %s%s" % (head, "; ".join(parts), more)


#: States in which a program is not running and will not start by itself.
STOPPED_STATES = frozenset(("STOPPED", "EXITED", "FATAL"))


def ensure_state(client, name, state, timeout=60.0, check_mode=False, clock=time.monotonic, sleep=time.sleep):
    """Bring program ``name`` to ``state`` (``started``, ``stopped`` or ``restarted``).

    ``started``/``restarted`` return once the process is RUNNING (supervisord reports RUNNING
    after it has stayed up for its ``startsecs``), polling at most ``timeout`` seconds.

    :returns: ``(changed, info)`` with supervisord's process info after the change (before it,
        in check mode).
    :raises SupervisorError: unknown program, or a start that ends BACKOFF/FATAL/EXITED or
        times out (the message carries the state, ``spawnerr`` and the stderr tail).
    """
    info = client.process(name)
    current = info["statename"]
    if state == "stopped":
        if current in STOPPED_STATES:
            return False, info
        if not check_mode:
            client.stop(name, True)
            info = client.process(name)
        return True, info
    if state == "started" and current == RUNNING:
        return False, info
    if check_mode:
        return True, info
    if state == "restarted" and current not in STOPPED_STATES:
        client.stop(name, True)
    if state == "restarted" or current in STOPPED_STATES:
        try:
            client.start(name, False)
        except SupervisorError as exc:
            if "ALREADY_STARTED" not in str(exc):
                raise
    return True, client.wait_running([name], timeout, clock=clock, sleep=sleep)[0]
