"""IAM roles created at the local endpoint survive a restart. moto keeps IAM in memory, so after
each IAM request the roles (path, trust policy, description, tags, inline policies, session
duration) are written to `DATA_DIR/iam-roles.json` when they changed, and created again at start.
Role ARNs depend only on the account, path and name, so they are the same after a restart."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

FILE_NAME = "iam-roles.json"


def _backend():
    return iam_backends[DEFAULT_ACCOUNT_ID]["aws"]


def roles() -> list[dict]:
    """Every role of the local IAM, as plain data (sorted by name)."""
    return sorted(({
        "name": r.name, "path": r.path, "assume_role_policy_document": r.assume_role_policy_document,
        "description": r.description, "tags": list(r.tags or []), "policies": dict(r.policies),
        "max_session_duration": r.max_session_duration, "permissions_boundary": r.permissions_boundary_arn,
    } for r in _backend().roles.values()), key=lambda r: r["name"])


class IamStore:
    """Keeps DATA_DIR/iam-roles.json equal to the local IAM's roles."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._saved: list[dict] | None = None

    def restore(self) -> int:
        """Create again the roles saved before a restart; how many."""
        if not self.path.exists():
            return 0
        saved = json.loads(self.path.read_text())
        backend = _backend()
        for role in saved:
            backend.create_role(role["name"], role["assume_role_policy_document"], role["path"],
                                role["permissions_boundary"], role["description"], role["tags"],
                                role["max_session_duration"])
            for policy_name, document in role["policies"].items():
                backend.put_role_policy(role["name"], policy_name, document)
        self._saved = saved
        return len(saved)

    def save_if_changed(self) -> None:
        """Write the roles when they differ from what was last written (atomically)."""
        with self._lock:
            now = roles()
            if now == self._saved:
                return
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps(now, indent=1))
            os.replace(partial, self.path)
            self._saved = now
