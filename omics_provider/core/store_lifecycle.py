"""What happens to a reference store at each step of its life (check, diff, create, read,
update, delete), as plain functions over property dicts. Both faces adapt these: the dynamic
provider (`reference_store`) and the native plugin (`plugin`)."""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from .. import schema
from ..aws.service_errors import error_code, error_message
from ..aws.settings import ConnectionSettings
from ..aws.waiting import Deadline, attempts
from ..errors import OmicsProviderError, StoreNotEmpty, TokenConflict
from . import tokens, validation
from .jobs import Log
from .references import DELETE_POLLS, list_references, retag
from .values import is_known

SHAPE = schema.REFERENCE_STORE
IDENTITY_FIELDS = tuple(n for n in SHAPE.names(schema.REPLACE) if n != "region")  # region: region_changed
EMPTY_WAIT_SECONDS = 600.0  # references of a destroyed import stay DELETING for a while


def check(olds: dict, news: dict, log: Log) -> list[tuple[str, str]]:
    """The service model's rules for name, description, sse_config and tags, as failures; a
    warning (logged) for changes an adopted store ignores."""
    failures = validation.store_failures(news)
    if olds.get("adopt_existing") and news.get("adopt_existing"):
        ignored = [f"{k} {olds.get(k)!r} → {news.get(k)!r}" for k in IDENTITY_FIELDS
                   if is_known(news.get(k)) and olds.get(k) != news.get(k)]
        if ignored:
            log.warn(
                f"reference store {news.get('name')!r} is adopted (adopt_existing), so this change is "
                f"ignored: {'; '.join(ignored)}. HealthOmics cannot change a store, and an adopted "
                "store is never replaced. Revert the change, or remove adopt_existing to replace "
                "the store (which deletes every reference in it).")
    return failures


def replaces(olds: dict, news: dict, region_changed: bool) -> list[str]:
    """There is no UpdateReferenceStore: a change of name, description, SSE or Region replaces
    the store (deleted first: one per Region), unless the store is adopted."""
    if olds.get("adopt_existing") and news.get("adopt_existing"):
        found = []  # an adopted store is whatever the Region has
    else:
        found = [k for k in IDENTITY_FIELDS if not is_known(news.get(k)) or olds.get(k) != news.get(k)]
    return [*found, "region"] if region_changed else found


def retags(olds: dict, news: dict) -> bool:
    return (olds.get("tags") or {}) != (news.get("tags") or {})


def settings_changed(olds: dict, news: dict) -> list[str]:
    """Settings that only the state records (read by delete): an update with no call."""
    return [k for k in ("delete_adopted",) if bool(olds.get(k)) != bool(news.get(k))]


def create(settings: ConnectionSettings, props: dict, log: Log) -> tuple[str, dict]:
    """Create the store (idempotently), or adopt the Region's store when asked: its id and
    outputs."""
    omics = settings.omics(props)
    if props.get("adopt_existing"):
        stores = omics.list_reference_stores().get("referenceStores", [])
        if stores:
            store = omics.get_reference_store(id=stores[0]["id"])
            retag(omics, store["arn"], None, props.get("tags"))
            log.info(f"adopted reference store {store['id']} ({store.get('name')})")
            return store["id"], {**outputs(props, store), "adopted": True}
    request = validation.to_api({k: props.get(k) for k in ("name", "description", "sse_config", "tags")},
                                schema.REFERENCE_STORE)
    token = tokens.store_token(request)
    try:
        store = omics.create_reference_store(clientToken=token, **request)
    except ClientError as exc:
        if error_code(exc) == "ConflictException":
            raise TokenConflict(token=token, store_id="(none yet)", detail=error_message(exc)) from None
        if error_code(exc) != "ServiceQuotaExceededException":
            raise
        raise OmicsProviderError(message=(
            f"ReferenceStore {props.get('name')!r}: {error_message(exc)}. "
            "A Region has one reference store: set adopt_existing: true to manage it, or use "
            "its id directly.")) from None
    # A reused token may answer with the store it created before (as many AWS services do):
    # make sure that is the store asked for.
    if (store.get("name"), store.get("description")) != (request["name"], request.get("description")):
        raise TokenConflict(token=token, store_id=store["id"], detail=(
            f"it returned store {store['id']} named {store.get('name')!r}, not {request['name']!r}"))
    return store["id"], {**outputs(props, store), "adopted": False}


def update(settings: ConnectionSettings, olds: dict, news: dict) -> dict:
    """Tag changes; every output."""
    if retags(olds, news):
        retag(settings.omics(olds), olds["arn"], olds.get("tags"), news.get("tags"))
    return {**olds, "tags": news.get("tags"), "adopt_existing": news.get("adopt_existing"),
            "delete_adopted": news.get("delete_adopted")}


def read(settings: ConnectionSettings, store_id: str, props: dict) -> dict | None:
    """The store as it is; None when it was deleted outside Pulumi."""
    omics = settings.omics(props)
    try:
        store = omics.get_reference_store(id=store_id)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    outs = outputs(props, store)
    outs["tags"] = omics.list_tags_for_resource(resourceArn=store["arn"]).get("tags") or None
    return outs


def imported(settings: ConnectionSettings, store_id: str, region: str | None = None) -> dict | None:
    """The inputs and outputs of a store made outside Pulumi, as a program would declare it."""
    omics = settings.client("omics", region)
    store = omics.get_reference_store(id=store_id)
    sse = store.get("sseConfig")
    props = {"name": store.get("name"), "description": store.get("description"),
             "sse_config": {k: v for k, v in (("type", sse.get("type")), ("key_arn", sse.get("keyArn"))) if v}
             if sse else None,
             "tags": omics.list_tags_for_resource(resourceArn=store["arn"]).get("tags") or None,
             "region": region}
    return read(settings, store_id, {k: v for k, v in props.items() if v is not None})


def adopted(props: dict) -> bool:
    """True when the store was adopted, not created (a state from before `adopted` was
    recorded: when it asked to adopt)."""
    return bool(props["adopted"]) if props.get("adopted") is not None else bool(props.get("adopt_existing"))


def delete(settings: ConnectionSettings, store_id: str, props: dict, log: Log,
           wait_seconds: float = EMPTY_WAIT_SECONDS) -> None:
    """Delete the store once it is empty; references still DELETING are waited for. An adopted
    store is left in place (with a message) unless delete_adopted is set."""
    if adopted(props) and not props.get("delete_adopted"):
        log.info(f"reference store {store_id} is released, left in place: it was adopted, not created "
                 "by this stack (set delete_adopted: true to delete it)")
        return
    omics = settings.omics(props)
    left: list[dict] = []
    for _ in attempts(Deadline(wait_seconds), DELETE_POLLS, time.sleep):
        try:
            omics.delete_reference_store(id=store_id)
            return
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return
            if error_code(exc) != "ConflictException":
                raise
        left = list_references(omics, store_id)
        active = [r for r in left if r.get("status") == "ACTIVE"]
        if active:
            raise StoreNotEmpty(store_id=store_id, count=len(active),
                                names=", ".join(f"{r.get('name')} ({r['id']})" for r in active[:5]))
    raise OmicsProviderError(message=(
        f"Reference store {store_id} still holds {len(left)} reference(s) being deleted after "
        f"{wait_seconds:.0f} s. Run `pulumi destroy` again to finish."))


def outputs(props: dict, store: dict) -> dict:
    """The inputs as given (what diff compares) plus the store as the service reports it."""
    sse = store.get("sseConfig") or {}
    return {
        **props, "store_id": store["id"], "arn": store["arn"], "store_name": store.get("name"),
        "sse": {"type": sse.get("type"), "key_arn": sse.get("keyArn")} if sse else None,
        "creation_time": store["creationTime"].isoformat() if store.get("creationTime") else None,
    }
