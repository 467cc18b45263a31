"""Who may see what: roles, users and the pages each role reaches.

Without a sign-in file the app runs as one local manager (zero configuration). With
``auth.yaml`` (path in ``CLUSTER_AUTH_FILE``; never committed) users sign in with a password
(streamlit-authenticator; passwords stored as bcrypt hashes) and/or through the cluster's
identity provider (Streamlit's ``st.login``, OIDC; e-mail addresses mapped to roles here).

    cookie: {name: cluster_auth, key: <random>, expiry_days: 1}
    session_minutes: 60
    credentials:
      usernames:
        alice: {name: Alice, email: alice@cluster.eu, password: <bcrypt>, roles: [manager]}
        m01: {name: Ondivert, email: ..., password: <bcrypt>, roles: [member], member_id: M01}
        region: {name: Region, password: <bcrypt>, clusters: {alpes: funder, loire: funder}}
    oidc_users:
      funder@region.eu: {role: funder}

In a database of several clusters (issue 18) a user's ``clusters`` give a role in each;
without it, ``roles`` is the user's role in the cluster the server serves by default
(``CLUSTER_CODE``, else the database's own), so a single-cluster deployment never names one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .i18n import _l
from .schema import DATA_DIR

ROLES = ("manager", "funder", "member")
DEFAULT_AUTH_FILE = DATA_DIR.parent / "auth.yaml"
#: Pages each role may open (file names in app_pages/), checked again by every page.
PAGES = {
    "manager": ("overview", "sectors", "member_types", "areas", "cluster_life", "submissions",
                "targets", "data_quality", "export", "my_figures", "settings"),
    "funder": ("overview", "sectors", "member_types", "areas", "cluster_life", "export"),
    "member": ("my_figures", "submissions"),
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    member_id: str | None = None
    username: str | None = None
    #: (cluster code, role) of each cluster the user may open; empty: ``role`` in the
    #: default cluster
    clusters: tuple[tuple[str, str], ...] = ()

    def cluster_roles(self) -> dict[str, str]:
        from .store import default_cluster

        return dict(self.clusters) if self.clusters else {default_cluster(): self.role}

    def in_cluster(self, code: str) -> Principal:
        """The user as they are in cluster ``code`` (their role there). Refused, whatever
        asks (a page, a link's ``cluster=`` parameter, an export), for a cluster the user
        was not given: the check every way into a cluster's rows goes through."""
        roles = self.cluster_roles()
        if code not in roles:
            raise PermissionError(_l("You have no access to the cluster '{code}'.", code=code))
        return replace(self, role=roles[code])

    @property
    def sees_members(self) -> bool:
        """Only managers see individual members' figures and names."""
        return self.role == "manager"


LOCAL_MANAGER = Principal("local manager", "manager")
MIN_PASSWORD_LENGTH = 8
MAX_LOGIN_ATTEMPTS = int(os.environ.get("CLUSTER_MAX_LOGIN_ATTEMPTS", "5"))
LOCKOUT_SECONDS = float(os.environ.get("CLUSTER_LOCKOUT_SECONDS", "900"))


@dataclass
class LoginThrottle:
    """Failed sign-ins per user name, kept by the server process (not the browser session,
    which an attacker simply restarts): after ``limit`` failures the name is locked for
    ``lockout`` seconds, and each failure beyond the first costs a growing wait (0.25 s,
    0.5 s, ... up to 4 s) before the page answers."""
    limit: int = MAX_LOGIN_ATTEMPTS
    lockout: float = LOCKOUT_SECONDS
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def failures(self, username: str, now: float | None = None) -> int:
        with self._lock:
            count, last = self._failures.get(username, (0, 0.0))
            if count and (now or time.monotonic()) - last > self.lockout:
                self._failures.pop(username, None)
                return 0
            return count

    def locked(self, username: str, now: float | None = None) -> bool:
        return self.failures(username, now) >= self.limit

    def record(self, username: str, count: int, now: float | None = None) -> float:
        """Store the failure count after an attempt; return the wait it costs (seconds)."""
        with self._lock:
            before = self._failures.get(username, (0, 0.0))[0]
            if count == before:
                return 0.0  # nothing new: the lockout keeps its start
            if count <= 0:
                self._failures.pop(username, None)
                return 0.0
            self._failures[username] = (count, now or time.monotonic())
        return min(0.25 * 2 ** (count - 2), 4.0) if count > before and count > 1 else 0.0


THROTTLE = LoginThrottle()


def idle_limit(config: dict) -> float:
    """Seconds of inactivity after which a sign-in ends (``session_minutes``, 60)."""
    return float(config.get("session_minutes", 60)) * 60


@dataclass
class Sessions:
    """The signed-in sessions, kept by the server and checked on every run.

    Why: the sign-in library (streamlit-authenticator) re-signs a browser in from a signed
    cookie alone, for ``cookie.expiry_days``. That cookie cannot be taken back: a reload
    after the idle limit signed the user in again, and a copy of it kept working after
    *Sign out*. Here each sign-in is a session the server knows, identified by its cookie
    (``session_id``); a cookie is honoured only while its session is open and has been
    active within the idle limit. *Sign out* closes it, so every copy stops working.

    Kept in the server process: a restart signs everyone out (safe side); several server
    processes behind one address would need them in a shared store.
    """
    _last_seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, session: str, now: float | None = None) -> None:
        with self._lock:
            self._last_seen[session] = time.time() if now is None else now

    def touch(self, session: str, limit: float, now: float | None = None) -> bool:
        """True, and marked active now, when the session is open and was active within
        ``limit`` seconds; otherwise it is closed and False."""
        now = time.time() if now is None else now
        with self._lock:
            last = self._last_seen.get(session)
            if last is None or now - last > limit:
                self._last_seen.pop(session, None)
                return False
            self._last_seen[session] = now
            return True

    def close(self, session: str | None) -> None:
        with self._lock:
            self._last_seen.pop(session or "", None)


SESSIONS = Sessions()


def session_id(username: str, expires: object) -> str:
    """The session a sign-in cookie stands for: its user and its expiry stamp (the library
    writes nothing else in it), hashed."""
    return hashlib.sha256(f"{username}\0{expires!r}".encode()).hexdigest()


def session_of_cookie(token: str | None, key: str) -> str | None:
    """The session of a sign-in cookie, if it is one this deployment signed (and not past
    its expiry); None otherwise."""
    import jwt

    if not token:
        return None
    try:
        payload = jwt.decode(token, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if not isinstance(payload, dict) or "username" not in payload or \
            float(payload.get("exp_date") or 0) <= time.time():
        return None
    return session_id(payload["username"], payload["exp_date"])


def auth_file() -> Path:
    return Path(os.environ.get("CLUSTER_AUTH_FILE") or DEFAULT_AUTH_FILE)


def load_config(path: Path | None = None) -> dict | None:
    """The sign-in configuration, or None when sign-in is not configured."""
    path = path or auth_file()
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _clusters(user: dict) -> tuple[tuple[str, str], ...]:
    """A user's ``clusters: {code: role}``, unknown roles left out (never a wider one)."""
    given = user.get("clusters") or {}
    return tuple((str(code), role) for code, role in given.items() if role in ROLES) \
        if isinstance(given, dict) else ()


def from_username(config: dict, username: str) -> Principal | None:
    user = (config.get("credentials") or {}).get("usernames", {}).get(username)
    if not user:
        return None
    clusters = _clusters(user)
    role = clusters[0][1] if clusters else (user.get("roles") or ["member"])[0]
    return Principal(user.get("name") or username, role if role in ROLES else "member",
                     user.get("member_id"), username, clusters)


def from_email(config: dict, email: str | None) -> Principal | None:
    if not email:
        return None
    users = {k.lower(): v for k, v in (config.get("oidc_users") or {}).items()}
    user = users.get(email.lower())
    if not user:
        return None
    clusters = _clusters(user)
    role = clusters[0][1] if clusters else user.get("role")
    if role not in ROLES:
        return None
    return Principal(user.get("name") or email, role, user.get("member_id"), email, clusters)


def add_user(username: str, password: str, role: str, *, name: str | None = None,
             email: str | None = None, member_id: str | None = None,
             path: Path | None = None, cluster: str | None = None) -> Path:
    """Add or update a password user; creates the file (with a random cookie key) if needed."""
    import bcrypt

    if role not in ROLES:
        raise ValueError(_l("Unknown role '{role}': use one of {roles}.", role=role,
                            roles=", ".join(ROLES)))
    if role == "member" and not member_id:
        raise ValueError(_l("A member user needs --member-id (the member it speaks for)."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(_l("Use a password of at least {count} characters.",
                            count=MIN_PASSWORD_LENGTH))
    path = path or auth_file()
    config = load_config(path) or {
        "cookie": {"name": "cluster_auth", "key": secrets.token_hex(32), "expiry_days": 1},
        "session_minutes": 60, "credentials": {"usernames": {}}}
    users = config.setdefault("credentials", {}).setdefault("usernames", {}) or {}
    config["credentials"]["usernames"] = users
    clusters = dict((users.get(username) or {}).get("clusters") or {})
    if cluster:  # a role in this cluster, beside the ones the user has in others
        clusters[cluster] = role
    users[username] = {"name": name or username, "email": email or "",
                       "password": bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode(),
                       "roles": [role], **({"member_id": member_id} if member_id else {}),
                       **({"clusters": clusters} if clusters else {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # readable by its owner only
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False, allow_unicode=True)
    return path


def check_password(config: dict, username: str, password: str) -> bool:
    import bcrypt

    user = (config.get("credentials") or {}).get("usernames", {}).get(username)
    return bool(user) and bcrypt.checkpw(password.encode(), user["password"].encode())
