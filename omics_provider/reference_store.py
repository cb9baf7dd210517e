"""ReferenceStore: the region's HealthOmics reference store (one per account and Region)."""

from __future__ import annotations

import time

import pulumi
from botocore.exceptions import ClientError
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from . import checks, schema, tokens
from .configured import ConfiguredProvider
from .errors import OmicsProviderError, StoreNotEmpty, TokenConflict
from .references import DELETE_POLLS, list_references, retag
from .service_errors import error_code, error_message, explain_access_denied
from .waiting import Deadline, attempts

SHAPE = schema.REFERENCE_STORE
MODEL_FIELDS = checks.api_members("CreateReferenceStore", SHAPE.inputs)
IDENTITY_FIELDS = tuple(n for n in SHAPE.names(schema.REPLACE) if n != "region")  # region: region_changed
EMPTY_WAIT_SECONDS = 600.0  # references of a destroyed import stay DELETING for a while


class ReferenceStoreProvider(ConfiguredProvider):
    """Create, read, tag and delete (only when empty) the region's reference store."""

    def check(self, olds: dict, news: dict) -> CheckResult:
        """The service model's rules for name, description, sse_config and tags; a warning
        for changes an adopted store ignores."""
        failures = checks.model_failures("CreateReferenceStore", news, MODEL_FIELDS)
        failures += checks.tag_failures(news.get("tags"), "tags")
        failures += checks.region_failures(news.get("region"))
        if olds.get("adopt_existing") and news.get("adopt_existing"):
            ignored = [f"{k} {olds.get(k)!r} → {news.get(k)!r}" for k in IDENTITY_FIELDS
                       if checks.is_known(news.get(k)) and olds.get(k) != news.get(k)]
            if ignored:
                pulumi.log.warn(
                    f"reference store {news.get('name')!r} is adopted (adopt_existing), so this change is "
                    f"ignored: {'; '.join(ignored)}. HealthOmics cannot change a store, and an adopted "
                    "store is never replaced. Revert the change, or remove adopt_existing to replace "
                    "the store (which deletes every reference in it).")
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        """There is no UpdateReferenceStore: name, description and sse_config replace; tags update."""
        if olds.get("adopt_existing") and news.get("adopt_existing"):
            replaces = []  # an adopted store is whatever the region has
        else:
            replaces = [k for k in IDENTITY_FIELDS
                        if not checks.is_known(news.get(k)) or olds.get(k) != news.get(k)]
        if self.region_changed(olds, news):
            replaces.append("region")
        retag = (olds.get("tags") or {}) != (news.get("tags") or {})
        return DiffResult(changes=bool(replaces) or retag, replaces=replaces, delete_before_replace=True)

    @explain_access_denied
    def create(self, props: dict) -> CreateResult:
        """Create the store (idempotently), or adopt the region's store when asked."""
        omics = self.omics(props)
        if props.get("adopt_existing"):
            stores = omics.list_reference_stores().get("referenceStores", [])
            if stores:
                store = omics.get_reference_store(id=stores[0]["id"])
                retag(omics, store["arn"], None, props.get("tags"))
                pulumi.log.info(f"adopted reference store {store['id']} ({store.get('name')})")
                return CreateResult(store["id"], _outputs(props, store))
        request = checks.to_api({k: props.get(k) for k in ("name", "description", "sse_config", "tags")})
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
        return CreateResult(store["id"], _outputs(props, store))

    @explain_access_denied
    def update(self, id_: str, olds: dict, news: dict) -> UpdateResult:
        """Tag changes; all outputs returned."""
        retag(self.omics(olds), olds["arn"], olds.get("tags"), news.get("tags"))
        return UpdateResult({**olds, "tags": news.get("tags"), "adopt_existing": news.get("adopt_existing")})

    @explain_access_denied
    def read(self, id_: str, props: dict) -> ReadResult:
        """The store as it is; gone when it was deleted outside Pulumi."""
        omics = self.omics(props)
        try:
            store = omics.get_reference_store(id=id_)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return ReadResult(None, {})
            raise
        outs = _outputs(props, store)
        outs["tags"] = omics.list_tags_for_resource(resourceArn=store["arn"]).get("tags") or None
        return ReadResult(id_, outs)

    @explain_access_denied
    def delete(self, id_: str, props: dict) -> None:
        """Delete the store once it is empty; references still DELETING are waited for."""
        omics = self.omics(props)
        left: list[dict] = []
        for _ in attempts(Deadline(EMPTY_WAIT_SECONDS), DELETE_POLLS, time.sleep):
            try:
                omics.delete_reference_store(id=id_)
                return
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return
                if error_code(exc) != "ConflictException":
                    raise
            left = list_references(omics, id_)
            active = [r for r in left if r.get("status") == "ACTIVE"]
            if active:
                raise StoreNotEmpty(store_id=id_, count=len(active),
                                    names=", ".join(f"{r.get('name')} ({r['id']})" for r in active[:5]))
        raise OmicsProviderError(message=(
            f"Reference store {id_} still holds {len(left)} reference(s) being deleted after "
            f"{EMPTY_WAIT_SECONDS:.0f} s. Run `pulumi destroy` again to finish."))


def _outputs(props: dict, store: dict) -> dict:
    """The inputs as given (what diff compares) plus the store as the service reports it."""
    sse = store.get("sseConfig") or {}
    return {
        **props, "store_id": store["id"], "arn": store["arn"], "store_name": store.get("name"),
        "sse": {"type": sse.get("type"), "key_arn": sse.get("keyArn")} if sse else None,
        "creation_time": store["creationTime"].isoformat() if store.get("creationTime") else None,
    }


class ReferenceStoreArgs:
    """Inputs of a ReferenceStore: `name` (1-127), optional `description`, `sse_config`
    ({"type": "KMS", "key_arn": ...}) and `tags`; `adopt_existing` takes over the Region's
    existing store instead of creating one; `region` overrides `aws:region` (changing it
    replaces the store)."""

    def __init__(self, name: pulumi.Input[str], description: pulumi.Input[str] | None = None,
                 sse_config: pulumi.Input[dict] | None = None,
                 tags: pulumi.Input[dict[str, str]] | None = None,
                 adopt_existing: bool | None = None, region: pulumi.Input[str] | None = None) -> None:
        self.name, self.description, self.sse_config = name, description, sse_config
        self.tags, self.adopt_existing, self.region = tags, adopt_existing, region

    def to_props(self) -> dict:
        return {"name": self.name, "description": self.description, "sse_config": self.sse_config,
                "tags": self.tags, "adopt_existing": self.adopt_existing, "region": self.region}


class ReferenceStore(Resource, module="omics", name="ReferenceStore"):
    """A HealthOmics reference store; `store_id` is what ReferenceImportJob needs."""

    store_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    store_name: pulumi.Output[str]
    sse: pulumi.Output[dict]
    creation_time: pulumi.Output[str]
    region: pulumi.Output[str | None]

    def __init__(self, resource_name: str, args: ReferenceStoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(SHAPE.names(schema.OUTPUT))
        super().__init__(ReferenceStoreProvider(), resource_name, {**args.to_props(), **outputs}, opts)
