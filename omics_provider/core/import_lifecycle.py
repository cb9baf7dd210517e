"""What happens to a reference import at each step of its life (check, diff, create, read,
update, delete), as plain functions over property dicts with the provider's (snake_case) names.
Both faces adapt these: the dynamic provider (`import_job`) and the native plugin (`plugin`).
No rule, token or wait lives in a face.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from omics_rules import job_states

from .. import schema
from ..aws import s3_objects
from ..aws.service_errors import error_code, error_message
from ..aws.settings import ConnectionSettings
from ..aws.waiting import Deadline, PollSchedule
from ..errors import OmicsProviderError, WaitTimedOut
from . import jobs, ownership, planning, references, tokens, validation
from .jobs import Log
from .replacement import why_replaced
from .values import GONE, UNKNOWN, is_known

SHAPE = schema.REFERENCE_IMPORT_JOB
# A given client_token shows as a change of the token the job uses; region is compared as the
# effective Region; sources by their identity.
IDENTITY_FIELDS = (*(n for n in planning.IMPORT_IDENTITY if n not in ("client_token", "region")),
                   "resolved_client_token")
RECORDED_FIELDS = tuple(n for n in SHAPE.names(*schema.INPUT_KINDS, schema.PLAN) if n != "sources")
OUTPUT_FIELDS = SHAPE.names(schema.PLAN, schema.OUTPUT)
# Operations on the store itself: ResourceNotFound from them means the store is not there.
STORE_OPERATIONS = ("ListReferences", "ListReferenceImportJobs", "StartReferenceImportJob")
SOURCE_INPUTS = schema.REFERENCE_SOURCE.inputs  # a source's outputs may be carried in its inputs
UNFINISHED = (None, *job_states.STILL_IMPORTING)  # an import whose create ended at its deadline


@dataclass
class Checked:
    """What `check` makes of the inputs: the inputs to record (with the plan), or failures."""

    inputs: dict
    failures: list[tuple[str, str]] = field(default_factory=list)
    same: bool = False  # the import stays as it is (same identity, same token)


@dataclass
class Change:
    """What `diff` finds: the inputs whose change replaces the import, and whether tags change."""

    replaces: list[str]
    retag: list[int]  # indexes (in the new sources) of the sources whose tags change
    why: str = ""  # one line for the reviewer when the import is replaced
    settings: list[str] = field(default_factory=list)  # settings that only the state records
    reordered: bool = False  # the same sources in another order
    waits: bool = False  # the recorded job has not ended (a create past its deadline): the update waits

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.retag or self.settings or self.reordered or self.waits)


def check(settings: ConnectionSettings, olds: dict, news: dict, log: Log,
          owner: str | None = None) -> Checked:
    """Every input against the service model's rules, then the plan (`planning`): the
    clientToken, the source objects recorded, warnings (logged) and pre-flight refusals.
    `owner`: the resource's URN, when the face knows it (else `news` carries it)."""
    if owner:
        news = {**news, "owner": owner}
    if olds and news.get("owner") and is_known(news["owner"]):
        ownership.CLAIMS.in_state(news["owner"])  # a create for this owner now replaces its import
    failures = validation.import_failures(olds, news)
    if failures:
        return Checked(news, failures)
    # What is derived from an input a preview does not know yet is unknown, not absent, so that an
    # update plan that preview saves allows the value the update derives.
    if not is_known([news.get(k) for k in ("role_arn", "sources", "region")]):
        return Checked({**news, "resolved_client_token": UNKNOWN, "source_objects": UNKNOWN})
    store_known = is_known(news.get("reference_store_id"))
    plan = planning.plan_import(settings, olds, news, store_known)
    for warning in plan.warnings:
        log.warn(warning)
    if plan.failures:
        return Checked(news, plan.failures)
    if not store_known:
        return Checked({**news, "resolved_client_token": UNKNOWN, "source_objects": plan.source_objects})
    inputs = {**news, "resolved_client_token": plan.token, "source_objects": plan.source_objects}
    same = planning.same_import(olds, news) and plan.token == olds.get("resolved_client_token")
    if not same:
        try:
            held = _held_elsewhere(settings.with_attempts(planning.CHECK_ATTEMPTS), news, log)
        except (ClientError, BotoCoreError) as exc:
            if isinstance(exc, ClientError) and _store_missing(exc):
                return Checked(news, [("reference_store_id", _not_in_region(settings, news, exc))])
            log.warn(f"whether store {news['reference_store_id']} already holds references of these "
                     f"names was not checked ({exc})")
            held = []
        if held:
            return Checked(news, held)
    return Checked(inputs, same=same)


def _held_elsewhere(settings: ConnectionSettings, news: dict, log: Log) -> list[tuple[str, str]]:
    """For a new import: the store's ACTIVE references of each source's name, and whose they are.
    Adopting one that another Pulumi resource owns is refused (unless take_over); importing a
    name the store already holds is a warning, since a store may refuse two references of one
    name (AWS does not say)."""
    omics, store = settings.omics(news), news["reference_store_id"]
    failures = []
    for i, source in enumerate(news["sources"]):
        found = jobs.active_marks(omics, store, source["name"])
        if not found:
            continue
        others = [(r, m) for r, m in found
                  if m is not None and not ownership.same_owner(m, news.get("owner"))]
        if news.get("adopt_existing"):
            if others and len(others) == len(found) and not news.get("take_over"):
                ref, mark = others[0]
                failures.append((f"sources[{i}].name", (
                    f"reference {ref['id']} named {source['name']!r} in store {store} is owned by {mark} "
                    "(another Pulumi resource); adopting it would let two resources manage it. Set "
                    "take_over: true to take it over (that resource then leaves it in place), or "
                    "remove adopt_existing to import it again")))
            continue
        whose = ", ".join(f"{r['id']} ({m or 'no Pulumi owner'})" for r, m in found)
        log.warn(f"sources[{i}] ({source['name']}): store {store} already holds a reference of this name: "
                 f"{whose}. This import makes another one; if the store refuses two references of "
                 "one name, the import fails: to manage that reference instead, set adopt_existing "
                 "(and take_over for one another Pulumi resource owns); to rename a resource, give "
                 "it `aliases`")
    return failures


def find_outputs(settings: ConnectionSettings, olds: dict, log: Log) -> dict:
    """The outputs of the import `olds` describes, looked up read-only; `olds` itself when they
    cannot be found."""
    try:
        return jobs.find_outputs(settings.omics(olds), olds) or olds
    except (ClientError, BotoCoreError) as exc:
        log.warn(f"could not look up the import's references for the preview ({exc})")
        return olds


def diff(olds: dict, news: dict, region_changed: bool, owner: str | None = None,
         log: Log | None = None) -> Change:
    """Compare the recorded outputs `olds` with the checked inputs `news`: identity changes (and
    references deleted outside Pulumi) replace; tags update; so do a new order of the same
    sources and a change of a setting that only the state records (delete_adopted). A resource
    that stays records its references as kept (`ownership.CLAIMS`), and the import it would be
    replaced from as this owner's current one."""
    replaces = [key for key in IDENTITY_FIELDS
                if not is_known(news.get(key)) or olds.get(key) != news.get(key)]
    if region_changed:
        replaces.append("region")
    old_sources, new_sources = olds.get("sources") or [], news.get("sources") or []
    if (not is_known(new_sources)
            or planning.source_identity(old_sources) != planning.source_identity(new_sources)
            or any(s.get("status") in GONE for s in old_sources)):  # drift: re-import
        replaces.append("sources")
    owner = owner or news.get("owner") or olds.get("owner")
    if replaces:
        return Change(replaces, [], why_replaced(olds, news))
    _keep_claims(olds, owner or olds.get("job_id") or "", log)
    pairs = planning.by_name(old_sources, new_sources)
    retag = [i for i, (o, n) in enumerate(pairs) if (o.get("tags") or {}) != (n.get("tags") or {})]
    reordered = [s.get("name") for s in old_sources] != [s.get("name") for s in new_sources]
    changed = [k for k in ("delete_adopted",) if bool(olds.get(k)) != bool(news.get(k))]
    # A job still running is an update even with the inputs unchanged: after a refresh (which
    # clears the create's error from the state) nothing else would make the next up wait for it.
    return Change([], retag, settings=changed, reordered=reordered, waits=unfinished(olds))


def _keep_claims(olds: dict, owner: str, log: Log | None, staying: bool = True) -> None:
    """Record the references of a resource that stays (or, `staying` False, that a refresh
    read); warn when another resource of this deployment claims one of them too (two resources
    on one reference: a state written before owner marks), naming both."""
    for source in olds.get("sources") or []:
        reference_id = source.get("reference_id")
        if not reference_id or source.get("status") in GONE:
            continue
        claim = ownership.CLAIMS.keep if staying else ownership.CLAIMS.see
        other = claim(reference_id, owner)
        if other and log is not None:
            log.warn(f"reference {reference_id} ({source.get('name')}) is claimed by two resources of "
                     f"this stack: {other} and {owner}. Only one import made it; deleting either "
                     "resource leaves it in place. Keep one: remove the other from the program and "
                     "from the state (`pulumi state delete URN`).")


def schedule_of(props: dict, timeout: float | None = None) -> PollSchedule:
    """The poll schedule the inputs ask for; `timeout` (a custom timeout) overrides the wait."""
    defaults = PollSchedule()
    return PollSchedule(
        initial=props.get("poll_initial_seconds") or defaults.initial,
        cap=props.get("poll_max_seconds") or defaults.cap,
        timeout=timeout or props.get("wait_timeout_seconds") or defaults.timeout,
    )


def create(settings: ConnectionSettings, props: dict, log: Log,
           timeout: float | None = None, recorded: dict | None = None) -> tuple[str, dict]:
    """Start the job (or find the one this token started) and wait until it completes: the
    job id and every output. `recorded`: what the state kept of a create that ended at its
    deadline; its job, when it was started for these same inputs (same token), is waited for by
    its id and never started again, however long the service remembers clientTokens. A create
    that replaces this resource's import (its state was checked in this deployment) never
    resumes the job of the import it replaces: the token steps to the next `-rN`. Otherwise a
    job an earlier run of this resource started (its owner mark) is found in the store before
    any start, however long ago the service forgot its token. The references get the tags
    declared now. At the deadline, WaitTimedOut carries `partial`, the outputs to keep in the
    state."""
    try:
        return _create(settings, props, log, timeout, recorded)
    except ClientError as exc:
        if not _store_missing(exc):
            raise
        raise OmicsProviderError(message=_not_in_region(settings, props, exc) + (
            "; nothing was started. If the store was just replaced or deleted, its imports must "
            "follow it: run `pulumi up` without --target, or with --target-dependents")) from None


def _store_missing(exc: ClientError) -> bool:
    return error_code(exc) == "ResourceNotFoundException" and exc.operation_name in STORE_OPERATIONS


def _not_in_region(settings: ConnectionSettings, props: dict, exc: ClientError) -> str:
    region = settings.region_of(props)
    return (f"reference store {props['reference_store_id']} was not found in Region "
            f"{region or '(none set)'} ({error_message(exc)}). A store lives in one Region: if it is "
            "in another, set this import's `region` (or the provider's) to that Region")


def _create(settings: ConnectionSettings, props: dict, log: Log, timeout: float | None,
            recorded: dict | None) -> tuple[str, dict]:
    token = props["resolved_client_token"]  # check derived it; the engine always checks first
    schedule = schedule_of(props, timeout)
    deadline = Deadline(schedule.timeout)
    omics = settings.omics(props)
    if props.get("adopt_existing"):
        return adopt(settings, omics, props, token, log)
    owner, store = props.get("owner"), props["reference_store_id"]
    request = {"referenceStoreId": store, "roleArn": props["role_arn"], "sources": validation.to_api(
        [{k: s.get(k) for k in SOURCE_INPUTS} for s in props["sources"]], schema.REFERENCE_SOURCE)}
    fresh = False  # whether this create started the job (else it takes over one started before)
    if recorded and recorded.get("job_id") and recorded.get("resolved_client_token") == token:
        token_used = used_token(recorded) or token
        started = omics.get_reference_import_job(referenceStoreId=store, id=recorded["job_id"])
        log.info(f"resuming reference import job {started['id']} (recorded in the state)")
    else:
        replacing = bool(owner) and ownership.CLAIMS.has_state(owner)
        generation = _past_replaced(omics, props, token) if replacing else 0
        first = tokens.restore_token(token, generation) if generation else token
        mark = ownership.value(owner, first) if owner else None
        earlier = None if props.get("client_token") else _earlier_job(settings, omics, props, request,
                                                                      mark, deadline, log)
        if earlier:
            started, token_used = earlier, first
            log.info(f"resuming reference import job {earlier['id']} (started earlier by this resource "
                     "for these same sources; found in the store by its owner mark, since the service "
                     "may have forgotten its clientToken)")
        else:
            started, token_used, fresh = jobs.start_or_find(omics, request, token, deadline, log,
                                                            owner=owner, generation=generation,
                                                            replacing=replacing)
    mark = ownership.value(owner, token_used) if owner else None
    try:
        job = jobs.wait_for_job(omics, store, started["id"], token_used, schedule, deadline, log,
                                first=started)
    except WaitTimedOut as exc:
        exc.partial = {**props, "job_id": started["id"], "status": exc.status,
                       "used_client_token": token_used, "owner_mark": mark}
        raise
    sources = jobs.source_outputs(omics, store, props["sources"], job)
    _declare_tags(omics, job, sources)
    if not fresh:
        ownership.CLAIMS.made([s["reference_id"] for s in sources if s.get("reference_id")])
    return started["id"], outputs(props, job, token_used, sources, mark)


def _past_replaced(omics, props: dict, token: str) -> int:
    """How many `-rN` steps past `token` a replacement starts: past every import of this resource
    whose references are still ACTIVE (its first source's name finds them: the import being
    replaced), so that it never sends that import's token."""
    owner = props["owner"]
    active = {mark.digest for _, mark in jobs.active_marks(omics, props["reference_store_id"],
                                                           props["sources"][0]["name"]) if mark is not None}
    generation = 0
    while ownership.digest(owner, tokens.restore_token(token, generation) if generation else token) in active:
        generation += 1
    return generation


def _declare_tags(omics, job: dict, sources: list[dict]) -> None:
    """Give each reference the tags the program declares now: a job started before (a resumed
    create) may carry older ones. No call when the job's answer shows them already right."""
    shown = {s.get("name"): s.get("tags") for s in job.get("sources", [])}
    for source in sources:
        if not source.get("arn"):
            continue
        had = shown.get(source["name"])
        if had is None:  # the service does not show a source's tags (or it had none)
            had = omics.list_tags_for_resource(resourceArn=source["arn"]).get("tags")
        references.retag(omics, source["arn"], ownership.user_tags(had), source.get("tags"))


def _earlier_job(settings: ConnectionSettings, omics, props: dict, request: dict, mark: str | None,
                 deadline: Deadline, log: Log) -> dict | None:
    """The job an earlier run of this create started, found in the store by its owner mark
    (`jobs.find_earlier`): none when a source object's write time cannot be read (a start then
    relies on the token)."""
    objects = s3_objects.lookup_now(settings, [s["source_file"] for s in props["sources"]],
                                    props.get("region"))
    if any(o.modified is None for o in objects):
        return None
    return jobs.find_earlier(omics, request, max(o.modified for o in objects), mark, deadline, log)


def adopt(settings: ConnectionSettings, omics, props: dict, token: str, log: Log) -> tuple[str, dict]:
    """Take over ACTIVE references whose names (and md5, where S3 tells it) match. One that another
    Pulumi resource owns is taken only with take_over, which moves its owner mark here."""
    store, owner = props["reference_store_id"], props.get("owner")
    take_over = bool(props.get("take_over")) and owner is not None
    mark = ownership.value(owner, token) if take_over else None
    sources, job_ids = [], set()
    for source in props["sources"]:
        found = [r for r in references.list_references(omics, store, source["name"])
                 if r.get("status") == "ACTIVE"]
        if not found:
            raise OmicsProviderError(message=(
                f"adopt_existing: store {store} has no ACTIVE reference named {source['name']!r}. "
                "Import it instead (adopt_existing: false), or fix the name."))
        expected = _plain_md5(settings, source["source_file"], props.get("region"))
        matching = [r for r in found if expected is None or r["md5"] == expected]
        if not matching:
            raise OmicsProviderError(message=(
                f"adopt_existing: reference {found[0]['id']} named {source['name']!r} in store {store} "
                f"has md5 {found[0]['md5']}, but {source['source_file']} has md5 {expected}. "
                "Adopt only references imported from these files."))
        chosen = _free_or_taken(omics, matching, owner, take_over, source["name"], store)
        if take_over:
            omics.tag_resource(resourceArn=chosen["arn"], tags={ownership.KEY: mark})
        meta = omics.get_reference_metadata(referenceStoreId=store, id=chosen["id"])
        job_ids.add(meta.get("creationJobId"))
        sources.append({**source, "reference_id": chosen["id"], "arn": chosen["arn"],
                        "md5": chosen["md5"], "status": chosen["status"], "import_status": "FINISHED"})
    job_id = job_ids.pop() if len(job_ids) == 1 and None not in job_ids else f"adopted-{token[-20:]}"
    job = {"id": job_id, "status": "COMPLETED"}
    if not job_id.startswith("adopted-"):
        job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
    log.info(f"adopted {len(sources)} reference(s) in store {store}")
    return job_id, outputs(props, job, token, sources, mark)


def _free_or_taken(omics, matching: list[dict], owner: str | None, take_over: bool, name: str,
                   store: str) -> dict:
    """The reference to adopt among `matching`: one no other Pulumi resource
    owns, else (with take_over) one it does; OmicsProviderError naming the owner otherwise."""
    tagged = [(r, omics.list_tags_for_resource(resourceArn=r["arn"]).get("tags")) for r in matching]
    for ref, tags in tagged:
        mark = ownership.mark_of(tags)
        if mark is None or ownership.same_owner(mark, owner):
            return ref
    if take_over:
        return tagged[0][0]
    ref, tags = tagged[0]
    raise OmicsProviderError(message=(
        f"adopt_existing: reference {ref['id']} named {name!r} in store {store} is owned by "
        f"{ownership.mark_of(tags)} (another Pulumi resource). Set take_over: true to take it over "
        "(that resource then leaves it in place), or remove adopt_existing to import it again."))


def unfinished(olds: dict) -> bool:
    """True when the state holds an import whose create ended at its deadline (its job recorded,
    still running then): the next update waits for that job instead of retagging."""
    return bool(olds.get("job_id")) and olds.get("status") in UNFINISHED and not olds.get("adopt_existing")


def update(settings: ConnectionSettings, olds: dict, news: dict, log: Log,
           timeout: float | None = None) -> dict:
    """Every output after the update: the recorded job waited for (a create that ended at its
    deadline, whose references then get the tags declared now), or tag changes on each reference."""
    if unfinished(olds):
        _, outs = create(settings, news, log, timeout, recorded=olds)
        return outs
    omics = settings.omics(olds)
    for old, new in planning.by_name(olds["sources"], news["sources"]):
        if old.get("arn"):
            references.retag(omics, old["arn"], old.get("tags"), new.get("tags"))
    return updated(olds, news)


def updated(olds: dict, news: dict) -> dict:
    """The outputs after an update: the recorded ones, with the new inputs and tags, in the
    order of the new sources."""
    pairs = planning.by_name(olds["sources"], news["sources"])
    sources = [{**old, "tags": new.get("tags")} for old, new in pairs]
    return {**olds, **{k: news.get(k) for k in RECORDED_FIELDS}, "sources": sources,
            "used_client_token": used_token(olds)}


def imported(settings: ConnectionSettings, store_id: str, job_id: str, region: str | None = None) -> dict:
    """The inputs and outputs of an import made outside Pulumi (by any tool, or by another
    resource: `pulumi import` takes it over explicitly), from its job and references: the inputs
    `check` would make of them, so that a program declaring the same import previews with no
    change. The owner mark its references carry, if any, is recorded as this import's."""
    omics = settings.client("omics", region)
    job = omics.get_reference_import_job(referenceStoreId=store_id, id=job_id)
    sources, mark = [], None
    for done in job.get("sources", []):
        source = {"name": done.get("name"), "source_file": done.get("sourceFile")}
        meta = references.metadata(omics, store_id, done["referenceId"]) if done.get("referenceId") else None
        if meta and meta.get("description"):
            source["description"] = meta["description"]
        if meta:
            tags = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags") or {}
            mark = mark or tags.get(ownership.KEY)
            if ownership.user_tags(tags):
                source["tags"] = ownership.user_tags(tags)
        sources.append(source)
    inputs = {"reference_store_id": store_id, "role_arn": job["roleArn"], "sources": sources,
              **({"region": region} if region else {})}
    plan = planning.plan_import(settings, {}, inputs)
    inputs.update(resolved_client_token=plan.token, source_objects=plan.source_objects)
    return outputs(inputs, job, plan.token, jobs.source_outputs(omics, store_id, sources, job), mark)


def read(settings: ConnectionSettings, job_id: str, props: dict, log: Log | None = None,
         owner: str | None = None) -> dict | None:
    """The job and its references as they are; None when every reference is gone. An import
    whose job still runs is kept as it is (a refresh never turns it into a new import); one whose
    job ended since the state recorded it gets the references the job made."""
    omics = settings.omics(props)
    store = props["reference_store_id"]
    outs = {**props, "used_client_token": used_token(props)}
    job = None
    if not job_id.startswith("adopted-"):
        try:
            job = omics.get_reference_import_job(referenceStoreId=store, id=job_id)
            outs.update(jobs.job_fields(job))
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
    recorded = props.get("sources") or []
    if job is not None and job["status"] in job_states.UNFINISHED:
        return outs
    if job is not None and any(not s.get("reference_id") for s in recorded):  # ended since
        recorded = jobs.source_outputs(omics, store, recorded, job)
    sources = []
    for source in recorded:
        source = dict(source)
        reference_id = source.get("reference_id")
        meta = references.metadata(omics, store, reference_id) if reference_id else None
        if meta is None:
            source["status"] = "DELETED"
        else:
            source.update(arn=meta["arn"], md5=meta["md5"], status=meta.get("status"),
                          description=meta.get("description"))
            tags = omics.list_tags_for_resource(resourceArn=meta["arn"]).get("tags")
            source["tags"] = ownership.user_tags(tags)
        sources.append(source)
    outs["sources"] = sources
    if sources and all(s["status"] in GONE for s in sources):
        return None
    _keep_claims(outs, owner or props.get("owner") or job_id, log, staying=False)
    return outs


def delete(settings: ConnectionSettings, props: dict, log: Log, timeout: float | None = None,
           owner: str | None = None) -> None:
    """Delete the references this import made and owns, and wait until they are gone, for at
    most `timeout` seconds (a custom timeout) or DELETE_WAIT_SECONDS. A job still running is
    waited for first (within that time) and what it made is deleted; past the time the delete
    fails naming the job, and the import stays in the state. References another resource owns
    or keeps, and adopted ones (unless delete_adopted), are left in place, with a message."""
    omics, store = settings.omics(props), props["reference_store_id"]
    deadline = Deadline(timeout or references.DELETE_WAIT_SECONDS)
    sources = props.get("sources") or []
    if unfinished(props):
        sources = _made_by_running_job(omics, props, deadline, log)
    owned = []
    for source in sources:
        reference_id = source.get("reference_id")
        if not reference_id:
            continue
        why = _not_ours(omics, props, source, owner or props.get("owner"))
        if why:
            log.info(f"reference {reference_id} ({source.get('name')}) in store {store} is released, "
                     f"left in place: {why}")
        else:
            owned.append((reference_id, source.get("name")))
    references.delete_and_wait(omics, store, owned, wait_seconds=max(deadline.remaining(), 1.0))


def _made_by_running_job(omics, props: dict, deadline: Deadline, log: Log) -> list[dict]:
    """The sources with what the recorded job made of them, once it has ended (within the
    deadline); OmicsProviderError naming the job when it still runs then."""
    store, job_id = props["reference_store_id"], props["job_id"]
    log.info(f"reference import job {job_id} was still running when it was recorded; waiting for it "
             "to end so that what it imports is deleted too")
    try:
        job = jobs.wait_for_job(omics, store, job_id, used_token(props) or "", PollSchedule(cap=5.0),
                                deadline, log)
    except WaitTimedOut as exc:
        raise OmicsProviderError(message=(
            f"Reference import job {job_id} in store {store} is still {exc.status} after "
            f"{exc.seconds:.0f} s, so what it imports cannot be deleted yet; the import stays in the "
            "state. Run `pulumi destroy` again once the job has ended (or give the delete a longer "
            "customTimeouts)")) from None
    except OmicsProviderError:  # it failed: references of a partial failure were already deleted
        return []
    return jobs.source_outputs(omics, store, props["sources"], job)


def _not_ours(omics, props: dict, source: dict, owner: str | None) -> str | None:
    """Why this import must leave the reference in place, or None when it deletes it."""
    if props.get("adopt_existing") and not props.get("delete_adopted"):
        return "it was adopted (set delete_adopted: true to delete adopted references)"
    if ownership.CLAIMS.was_made(source["reference_id"]):
        return ("the resource created in this deployment in its place holds it (a targeted "
                "`--replace` kept the import: to import again, change client_token)")
    kept_by = ownership.CLAIMS.kept_by(source["reference_id"])
    if kept_by and kept_by not in (owner, props.get("job_id")):
        return f"{kept_by} claims it too"
    if not source.get("arn"):
        return None
    try:
        tags = omics.list_tags_for_resource(resourceArn=source["arn"]).get("tags")
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None  # already gone: deleting it again is harmless
        raise
    mark = ownership.mark_of(tags)
    if mark is not None and not ownership.same_import(mark, props.get("owner_mark")):
        return f"it is owned by {mark}, which imported or took it over"
    return None


def used_token(props: dict) -> str | None:
    """The token the job was started with. State written before 0.2.0 kept it in `client_token`."""
    return props.get("used_client_token") or props.get("client_token") or props.get("resolved_client_token")


def outputs(props: dict, job: dict, token: str, sources: list[dict], mark: str | None = None) -> dict:
    """The inputs with what the job made of them, and the owner mark its references carry."""
    return {**props, **jobs.job_fields(job), "used_client_token": token, "sources": sources,
            "owner": props.get("owner"), "owner_mark": mark}


def _plain_md5(settings: ConnectionSettings, s3_uri: str, region: str | None) -> str | None:
    """The object's MD5 when its ETag is one (a single-part upload without SSE-KMS), else None."""
    found = s3_objects.lookup(settings, s3_uri, region)
    if found.state == "missing":
        raise OmicsProviderError(message=f"adopt_existing: {s3_uri} does not exist in S3, so the "
                                         "references cannot be matched to it. Upload it, or fix source_file.")
    version = found.version
    if version and version.startswith("etag:"):
        etag = version[5:]
        if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag):
            return etag
    return None
