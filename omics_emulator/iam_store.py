"""The local IAM survives a restart. moto keeps IAM in memory, so after each IAM request that may
change it (any but a read: iam_actions.changes_state) its state is written to
`DATA_DIR/iam-roles.json` when it changed, and created again at start: customer managed policies
(their default version's document), roles (path, trust policy, description, tags, inline
policies, attached policies, permissions boundary, session duration), groups, users (inline and
attached policies, groups, tags, access keys with the same id, secret and status) and OIDC
providers. ARNs depend only on the account, path and name, so they are the same after a restart.
STS sessions are not kept: their keys (added to the file as each session is made), and the keys of
deleted users, are remembered as issued so that they answer as invalid instead of acting as the
account's root. A file of the older form (a JSON list of roles only) is read too."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from . import callers
from .account import ACCOUNT_ID, iam_backend, sts_backend

FILE_NAME = "iam-roles.json"


def _attached(identity) -> list[str]:
    return sorted(identity.managed_policies)


def roles() -> list[dict]:
    """Every role of the local IAM, as plain data (sorted by name)."""
    return sorted(({
        "name": r.name, "path": r.path, "assume_role_policy_document": r.assume_role_policy_document,
        "description": r.description, "tags": list(r.tags or []), "policies": dict(r.policies),
        "max_session_duration": r.max_session_duration, "permissions_boundary": r.permissions_boundary_arn,
        "managed_policies": _attached(r),
    } for r in iam_backend().roles.values()), key=lambda r: r["name"])


def state() -> dict:
    """Everything of the local IAM that is kept, as plain data."""
    iam = iam_backend()
    return {
        "policies": sorted(({"name": p.name, "path": p.path, "description": p.description,
                             "document": next(v.document for v in p.versions if v.is_default),
                             "tags": p.get_tags()}
                            for p in iam.managed_policies.values() if f":{ACCOUNT_ID}:" in p.arn),
                           key=lambda p: (p["path"], p["name"])),
        "roles": roles(),
        "groups": sorted(({"name": g.name, "path": g.path, "policies": dict(g.policies),
                           "managed_policies": _attached(g)} for g in iam.groups.values()),
                         key=lambda g: g["name"]),
        "users": sorted(({"name": u.name, "path": u.path, "policies": dict(u.policies),
                          "managed_policies": _attached(u), "tags": u.tags or [],
                          "groups": sorted(u.group_list),
                          "access_keys": [{"id": k.access_key_id, "secret": k.secret_access_key,
                                           "status": k.status} for k in u.access_keys]}
                         for u in iam.users.values()), key=lambda u: u["name"]),
        "oidc_providers": sorted(({"url": f"https://{p.url}", "client_ids": list(p.client_id_list),
                                   "thumbprints": list(p.thumbprint_list), "tags": p.get_tags()}
                                  for p in iam.open_id_providers.values()), key=lambda p: p["url"]),
        "issued_keys": sorted(callers.issued_keys() | _live_keys()),
    }


def _live_keys() -> set[str]:
    """Every access key id the local IAM and STS hold now (users' and sessions')."""
    users = {k.access_key_id for u in iam_backend().users.values() for k in u.access_keys}
    return users | {s.access_key_id for s in sts_backend().assumed_roles}


class IamStore:
    """Keeps DATA_DIR/iam-roles.json equal to the local IAM."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._saved: dict | None = None

    def restore(self) -> int:
        """Create again the IAM saved before a restart; how many roles."""
        if not self.path.exists():
            return 0
        saved = json.loads(self.path.read_text())
        if isinstance(saved, list):  # the older form: roles only
            saved = {"roles": saved}
        iam = iam_backend()
        for policy in saved.get("policies", []):
            iam.create_policy(policy["description"], policy["path"], policy["document"], policy["name"],
                              policy["tags"])
        for role in saved.get("roles", []):
            iam.create_role(role["name"], role["assume_role_policy_document"], role["path"],
                            role["permissions_boundary"], role["description"], role["tags"],
                            role["max_session_duration"])
            for policy_name, document in role["policies"].items():
                iam.put_role_policy(role["name"], policy_name, document)
            for arn in role.get("managed_policies", []):
                iam.attach_role_policy(arn, role["name"])
        for group in saved.get("groups", []):
            iam.create_group(group["name"], group["path"])
            for policy_name, document in group["policies"].items():
                iam.put_group_policy(group["name"], policy_name, document)
            for arn in group["managed_policies"]:
                iam.attach_group_policy(arn, group["name"])
        for user in saved.get("users", []):
            _restore_user(iam, user)
        for provider in saved.get("oidc_providers", []):
            iam.create_open_id_connect_provider(provider["url"], provider["thumbprints"],
                                                provider["client_ids"], provider["tags"])
        callers.note_issued(saved.get("issued_keys", []))
        self._saved = state()
        return len(saved.get("roles", []))

    def save_if_changed(self) -> None:
        """Write the IAM when it differs from what was last written (atomically)."""
        with self._lock:
            now = state()
            callers.note_issued(now["issued_keys"])
            if now != self._saved:
                self._write(now)

    def note_session(self, key: str) -> None:
        """Remember a new STS session's access key id as issued, in the file too, without reading
        the rest of the IAM again (a session changes nothing else that is kept)."""
        with self._lock:
            callers.note_issued([key])
            if self._saved is None:
                self._write(state())
            elif key not in self._saved["issued_keys"]:
                self._write({**self._saved, "issued_keys": sorted([*self._saved["issued_keys"], key])})

    def _write(self, saved: dict) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(saved, indent=1))
        os.replace(partial, self.path)
        self._saved = saved


def _restore_user(iam, user: dict) -> None:
    iam.create_user(region_name="us-east-1", user_name=user["name"], path=user["path"], tags=user["tags"])
    for policy_name, document in user["policies"].items():
        iam.put_user_policy(user["name"], policy_name, document)
    for arn in user["managed_policies"]:
        iam.attach_user_policy(arn, user["name"])
    for group in user["groups"]:
        iam.add_user_to_group(group, user["name"])
    for saved in user["access_keys"]:
        key = iam.create_access_key(user["name"], status=saved["status"])
        del iam.access_keys[key.access_key_id]
        key.access_key_id, key.secret_access_key = saved["id"], saved["secret"]
        iam.access_keys[key.access_key_id] = key
