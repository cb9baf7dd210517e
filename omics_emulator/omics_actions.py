"""The IAM checks each reference-store operation needs, from AWS's Service Authorization
Reference ("Actions, resources, and condition keys for AWS HealthOmics", as scraped in
iann0036/iam-dataset aws/iam_definition.json, commit 08eff2d):

    CreateReferenceStore, ListReferenceStores, ListTagsForResource   no resource type: `*`
    GetReferenceStore, DeleteReferenceStore, StartReferenceImportJob,
    GetReferenceImportJob, ListReferenceImportJobs, ListReferences   referenceStore
    GetReference, GetReferenceMetadata, DeleteReference              reference and referenceStore
    TagResource, UntagResource                                       the resourceArn (store or reference)

StartReferenceImportJob also needs iam:PassRole on its roleArn (iam:PassedToService:
omics.amazonaws.com). Its and CreateReferenceStore's dependent action omics:TagResource is checked
when the request carries tags, on the ARN the tags will land on, which does not exist yet: the
store's `referenceStore/*` and the store's `.../reference/*` (assumed; AWS names neither)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from omics_rules.service_role import OMICS_PRINCIPAL

from .account import ACCOUNT_ID
from .authorization import Check

_ON_STORE = {"GetReferenceStore", "DeleteReferenceStore", "StartReferenceImportJob",
             "GetReferenceImportJob", "ListReferenceImportJobs", "ListReferences"}
_ON_REFERENCE = {"GetReference", "GetReferenceMetadata", "DeleteReference"}


def checks(operation: str, region: str, path_values: dict[str, str], query: str, body: bytes) -> list[Check]:
    """What `operation` needs authorized; its path values name the store and reference."""
    payload = _payload(body)
    store_arn = f"arn:aws:omics:{region}:{ACCOUNT_ID}:referenceStore/"
    action = f"omics:{operation}"
    if operation in _ON_REFERENCE:
        store = store_arn + path_values.get("referenceStoreId", "")
        found = [Check(action, f"{store}/reference/{path_values.get('id', '')}"), Check(action, store)]
    elif operation in _ON_STORE:
        store = store_arn + path_values.get("referenceStoreId", path_values.get("id", ""))
        found = [Check(action, store)]
    elif operation in ("TagResource", "UntagResource"):
        tagged = ({"aws:tagkeys": parse_qs(query).get("tagKeys", [])} if operation == "UntagResource"
                  else _tag_context(payload))
        found = [Check(action, path_values.get("resourceArn", ""), tagged)]
    else:
        found = [Check(action, "*", _tag_context(payload))]
    if operation == "StartReferenceImportJob":
        found.append(Check("iam:PassRole", str(payload.get("roleArn", "")),
                           {"iam:passedtoservice": OMICS_PRINCIPAL}))
        tags = _source_tags(payload)
        if tags:
            found.append(Check("omics:TagResource", f"{found[0].resource}/reference/*", _tag_keys(tags)))
    if operation == "CreateReferenceStore" and payload.get("tags"):
        found.append(Check("omics:TagResource", store_arn + "*", _tag_keys(payload["tags"])))
    return found


def _payload(body: bytes) -> dict:
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _tag_context(payload: dict) -> dict[str, str | list[str]]:
    tags = payload.get("tags")
    return _tag_keys(tags) if isinstance(tags, dict) else {}


def _source_tags(payload: dict) -> dict:
    tags: dict = {}
    for source in payload.get("sources") or []:
        if isinstance(source, dict) and isinstance(source.get("tags"), dict):
            tags.update(source["tags"])
    return tags


def _tag_keys(tags: dict) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {"aws:tagkeys": [str(k) for k in tags]}
    context.update({f"aws:requesttag/{k}".lower(): str(v) for k, v in tags.items()})
    return context
