"""Runs a GitHub Actions workflow's jobs on this machine, for tests: each `run:` step in bash, in
order, with the environment GitHub would give it; each `uses:` step through a local equivalent
that the caller names (an action with no equivalent fails the run). Expressions (`${{ }}`,
`if:`) are evaluated by a small interpreter of the part of GitHub's expression language that
workflows use here; anything else it meets raises, so a workflow never runs half-understood.

    runner = WorkflowRunner(Path(".github/workflows/x.yml"), workspace, actions={...})
    run = runner.run(Event("pull_request", sha=..., payload={...}), secrets=..., variables=...)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


@dataclass
class Event:
    """What triggered the run: the event's name, the commit, and the event's payload."""

    name: str
    sha: str
    ref: str = "refs/heads/main"
    payload: dict = field(default_factory=dict)


@dataclass
class StepResult:
    name: str
    outcome: str  # success, failure or skipped
    output: str = ""


@dataclass
class JobResult:
    """One job (one matrix entry): its result, each step's, and its outputs."""

    job: str
    matrix: dict
    result: str  # success, failure or skipped
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)
    summary: str = ""  # what the job wrote to GITHUB_STEP_SUMMARY

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


@dataclass
class JobContext:
    """What a local action equivalent may use: the workspace, the job's environment (to export
    into), the run's event, and a hook run once the job has ended (as an action's post step)."""

    workspace: Path
    env: dict[str, str]
    event: Event
    matrix: dict
    posts: list[Callable[[bool], None]] = field(default_factory=list)


Action = Callable[[dict, JobContext], dict]


class ExpressionError(ValueError):
    """An expression the interpreter does not understand."""


class WorkflowRunner:
    """One workflow file, run in `workspace` with local equivalents of its actions."""

    def __init__(self, path: Path, workspace: Path, actions: dict[str, Action],
                 base_env: dict[str, str] | None = None, step_timeout: float = 900) -> None:
        self.workflow = yaml.safe_load(path.read_text())
        self.workspace, self.actions, self.step_timeout = workspace, actions, step_timeout
        self.base_env = base_env if base_env is not None else {
            k: os.environ[k] for k in ("PATH", "HOME", "LANG", "GOPATH", "GOCACHE", "GOMODCACHE")
            if k in os.environ}

    def triggers(self) -> dict:
        """The `on:` map (YAML 1.1 reads the key `on` as True)."""
        return self.workflow.get("on") or self.workflow.get(True) or {}

    def run(self, event: Event, secrets: dict[str, str], variables: dict[str, str],
            jobs: list[str] | None = None) -> list[JobResult]:
        """Every job (or only those named, and what they need), in `needs` order, for this event."""
        results: list[JobResult] = []
        done: dict[str, list[JobResult]] = {}
        for name in self._ordered_jobs():
            if jobs is not None and name not in jobs:
                continue
            job = self.workflow["jobs"][name]
            needs = _as_list(job.get("needs"))
            context = {"github": _github(event), "secrets": secrets, "vars": variables,
                       "needs": {n: {"result": _combined(done[n]), "outputs": _merged_outputs(done[n])}
                                 for n in needs}}
            met = all(_combined(done[n]) == "success" for n in needs) or "always()" in str(job.get("if"))
            if not met or not self._truthy_condition(job.get("if"), context, job_status="success"):
                done[name] = [JobResult(name, {}, "skipped")]
            else:
                done[name] = [self._run_job(name, job, event, {**context, "matrix": m})
                              for m in self._matrix(job, context)]
            results += done[name]
        return results

    def _ordered_jobs(self) -> list[str]:
        jobs, ordered = self.workflow["jobs"], []
        while len(ordered) < len(jobs):
            ready = [n for n in jobs
                     if n not in ordered and all(d in ordered for d in _as_list(jobs[n].get("needs")))]
            if not ready:
                raise ExpressionError("jobs: a cycle in `needs`")
            ordered += ready
        return ordered

    def _matrix(self, job: dict, context: dict) -> list[dict]:
        axes = ((job.get("strategy") or {}).get("matrix")) or {}
        values = {k: evaluate_value(v, context) for k, v in axes.items()}
        for key, value in values.items():
            if not isinstance(value, list):
                raise ExpressionError(f"matrix.{key} must be a list, got {value!r}")
        combos = itertools.product(*values.values())
        return [dict(zip(values, combo, strict=True)) for combo in combos] or [{}]

    def _run_job(self, name: str, job: dict, event: Event, context: dict) -> JobResult:
        result = JobResult(name, context["matrix"], "success")
        context = {**context, "steps": {}, "env": {},
                   "github": {**context["github"], "workspace": str(self.workspace)}}
        env = {**interpolate_map(self.workflow.get("env") or {}, context)}
        context["env"] = env
        env.update(interpolate_map(job.get("env") or {}, context))
        files = self.workspace.parent / f".runner-{name}"
        files.mkdir(parents=True, exist_ok=True)
        (files / "summary.md").write_text("")
        exported: dict[str, str] = {}
        job_context = JobContext(self.workspace, exported, event, context["matrix"])
        status = self._run_steps(job.get("steps") or [], context, env, job_context, files, result.steps)
        for post in reversed(job_context.posts):
            post(status == "success")
        result.result = status
        result.outputs = interpolate_map(job.get("outputs") or {}, context)
        result.summary = (files / "summary.md").read_text()
        return result

    def _run_steps(self, steps: list[dict], context: dict, env: dict[str, str], job: JobContext,
                   files: Path, results: list[StepResult]) -> str:
        """Run `steps` in order into `results`; the status they leave (success or failure)."""
        status = "success"
        for index, step in enumerate(steps):
            label = step.get("name") or step.get("uses") or f"step {index + 1}"
            if not self._truthy_condition(step.get("if"), context, job_status=status):
                results.append(StepResult(label, "skipped"))
                if "id" in step:
                    context["steps"][step["id"]] = {"outcome": "skipped", "outputs": {}}
                continue
            own = interpolate_map(step.get("env") or {}, {**context, "env": {**env, **job.env}})
            try:
                if str(step.get("uses", "")).startswith("./"):
                    outcome, outputs, output = self._composite(step, context, env, job, files)
                elif "uses" in step:
                    outcome, outputs, output = "success", self._use(step, context, job), ""
                else:
                    outcome, outputs, output = self._shell(step, {**env, **job.env, **own}, job.event, files,
                                                           job.env)
            except Exception as exc:  # a local action failed: the step fails, as on GitHub
                outcome, outputs, output = "failure", {}, f"{type(exc).__name__}: {exc}"
            results.append(StepResult(label, outcome, output))
            if "id" in step:
                context["steps"][step["id"]] = {"outcome": outcome, "outputs": outputs}
            if outcome == "failure" and not step.get("continue-on-error"):
                status = "failure"
        return status

    def _composite(self, step: dict, context: dict, env: dict[str, str], job: JobContext,
                   files: Path) -> tuple[str, dict, str]:
        """A local composite action (`uses: ./path`): its steps, run as one step of the job."""
        action = yaml.safe_load((self.workspace / step["uses"] / "action.yml").read_text())
        if (action.get("runs") or {}).get("using") != "composite":
            raise ExpressionError(f"{step['uses']} is not a composite action")
        inner: list[StepResult] = []
        status = self._run_steps(action["runs"]["steps"], {**context, "steps": {}}, env, job, files, inner)
        return status, {}, "\n".join(f"[{r.name}: {r.outcome}]\n{r.output}" for r in inner)

    def _use(self, step: dict, context: dict, job: JobContext) -> dict:
        action = step["uses"].split("@")[0]
        if action not in self.actions:
            raise ExpressionError(f"no local equivalent for the action {step['uses']}")
        return self.actions[action](interpolate_map(step.get("with") or {}, context), job) or {}

    def _shell(self, step: dict, env: dict[str, str], event: Event, files: Path,
               exported: dict[str, str]) -> tuple[str, dict, str]:
        output_file, env_file = files / "output", files / "env"
        output_file.write_text("")
        env_file.write_text("")
        script = files / "step.sh"
        if "${{" in step["run"]:
            raise ExpressionError("a run step here reads only its environment, never ${{ }}")
        script.write_text(step["run"])
        full_env = {**self.base_env, **_github_env(event, self.workspace), **env,
                    "GITHUB_OUTPUT": str(output_file), "GITHUB_ENV": str(env_file),
                    "GITHUB_STEP_SUMMARY": str(files / "summary.md")}
        timeout = float(step.get("timeout-minutes", self.step_timeout / 60)) * 60
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace / step.get("working-directory", "."), env=full_env,
                              capture_output=True, text=True, timeout=min(timeout, self.step_timeout))
        exported.update(_key_values(env_file.read_text()))
        outcome = "success" if proc.returncode == 0 else "failure"
        return outcome, _key_values(output_file.read_text()), proc.stdout + proc.stderr

    def _truthy_condition(self, condition: Any, context: dict, job_status: str) -> bool:
        if condition is None:
            return job_status == "success"
        text = str(condition).strip()
        if text.startswith("${{") and text.endswith("}}"):
            text = text[3:-2].strip()
        if not any(f"{name}()" in text for name in STATUS_FUNCTIONS):
            text = f"success() && ({text})"
        return truthy(Expression(text, {**context, "__status": job_status}).value())


def _as_list(value: Any) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _combined(results: list[JobResult]) -> str:
    if any(r.result == "failure" for r in results):
        return "failure"
    return "skipped" if all(r.result == "skipped" for r in results) else "success"


def _merged_outputs(results: list[JobResult]) -> dict:
    merged: dict = {}
    for r in results:
        merged.update(r.outputs)
    return merged


def _github(event: Event) -> dict:
    return {"event_name": event.name, "sha": event.sha, "ref": event.ref, "event": event.payload,
            "repository": "example/omics-references"}


def _github_env(event: Event, workspace: Path) -> dict[str, str]:
    return {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event.name, "GITHUB_SHA": event.sha,
            "GITHUB_REF": event.ref, "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REPOSITORY": "example/omics-references", "RUNNER_TEMP": str(workspace.parent)}


def _key_values(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV lines: `name=value`, or `name<<DELIM` ... `DELIM`."""
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            values[name] = "\n".join(itertools.takewhile(lambda x, d=delimiter: x != d, lines))
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, '' and null are false."""
    return value not in (False, 0, "", None)


def to_text(value: Any) -> str:
    """A value as GitHub writes it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def interpolate(text: str, context: dict) -> str:
    """`text` with each `${{ expression }}` replaced by its value."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: to_text(Expression(m[1], context).value()), text)


def evaluate_value(value: Any, context: dict) -> Any:
    """A YAML value: a whole `${{ expression }}` keeps its type (a matrix list); else interpolated."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", value, re.S)
        return Expression(whole[1], context).value() if whole else interpolate(value, context)
    return value


def interpolate_map(values: dict, context: dict) -> dict:
    return {k: to_text(evaluate_value(v, context)) if isinstance(v, str) else v for k, v in values.items()}


_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^']|'')*')|"
                    r"(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))")


class Expression:
    """One expression of GitHub's language: literals, context paths (`a.b['c']`), `!`, `==`,
    `!=`, `<`, `>`, `&&`, `||` (which return an operand, as GitHub's do), and the functions
    success, failure, always, cancelled, fromJSON, toJSON, contains, startsWith, hashFiles."""

    def __init__(self, text: str, context: dict) -> None:
        self.text, self.context, self.tokens, self.at = text, context, self._tokenize(text), 0

    def value(self) -> Any:
        result = self._or()
        if self.at != len(self.tokens):
            raise ExpressionError(f"cannot read {self.text!r} past {self.tokens[self.at][1]!r}")
        return result

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens, at = [], 0
        while at < len(text.rstrip()):
            match = _TOKEN.match(text, at)
            if not match or match.end() == at:
                raise ExpressionError(f"cannot read {text!r} at {text[at:]!r}")
            tokens += [(kind, match[kind]) for kind in ("number", "string", "op", "name") if match[kind]]
            at = match.end()
        return tokens

    def _peek(self, *values: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] in values

    def _take(self, value: str) -> None:
        if not self._peek(value):
            raise ExpressionError(f"expected {value!r} in {self.text!r}")
        self.at += 1

    def _or(self) -> Any:
        left = self._and()
        while self._peek("||"):
            self.at += 1
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._compare()
        while self._peek("&&"):
            self.at += 1
            right = self._compare()
            left = right if truthy(left) else left
        return left

    def _compare(self) -> Any:
        left = self._unary()
        while self._peek("==", "!=", "<", ">", "<=", ">="):
            op = self.tokens[self.at][1]
            self.at += 1
            right = self._unary()
            a, b = _comparable(left), _comparable(right)
            left = {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return left

    def _unary(self) -> Any:
        if self._peek("!"):
            self.at += 1
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        if self.at >= len(self.tokens):
            raise ExpressionError(f"{self.text!r} ends too soon")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self._peek("("):
            return self._call(text)
        value = self.context.get(text)
        while self._peek(".", "["):
            if self.tokens[self.at][1] == ".":
                self.at += 1
                key = self.tokens[self.at][1]
                self.at += 1
            else:
                self.at += 1
                key = self._or()
                self._take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args = []
        while not self._peek(")"):
            args.append(self._or())
            if self._peek(","):
                self.at += 1
        self._take(")")
        status = self.context.get("__status", "success")
        functions: dict[str, Callable[..., Any]] = {
            "success": lambda: status == "success", "failure": lambda: status == "failure",
            "always": lambda: True, "cancelled": lambda: False,
            "fromJSON": lambda s: json.loads(s), "toJSON": lambda v: json.dumps(v),
            "contains": lambda hay, needle: (needle in hay) if isinstance(hay, list)
            else str(needle).lower() in str(hay).lower(),
            "startsWith": lambda s, p: str(s).lower().startswith(str(p).lower()),
            "hashFiles": self._hash_files,
        }
        if name not in functions:
            raise ExpressionError(f"the function {name}() is not supported here")
        return functions[name](*args)

    def _hash_files(self, *patterns: str) -> str:
        root = Path(self.context.get("github", {}).get("workspace") or os.getcwd())
        # GitHub's `**` matches files too; pathlib's matches only folders.
        globs = [*patterns, *(f"{p}/*" for p in patterns if p.endswith("**"))]
        files = sorted({p for pattern in globs for p in root.glob(pattern) if p.is_file()})
        if not files:
            return ""
        digest = hashlib.sha256()
        for path in files:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


def _comparable(value: Any) -> Any:
    """GitHub compares strings case-insensitively and null as ''."""
    return "" if value is None else value.lower() if isinstance(value, str) else value
