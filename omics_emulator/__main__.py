"""`python -m omics_emulator`: start the local HealthOmics reference-store endpoint."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .controls import BUSY_ANSWERS, IMPORT_JOB_QUOTAS, TOKEN_REUSE_ANSWERS, Controls
from .memory import tune_allocator
from .s3_server import ENV_VAR, S3ServerMissing
from .server import serve


def main(argv: list[str] | None = None) -> None:
    """Parse flags, bind, resume unfinished work, print `listening on URL` and serve."""
    parser = argparse.ArgumentParser(prog="python -m omics_emulator", description=__doc__)
    default = Controls()  # the one place the controls' defaults are written
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port (0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, default=Path(".emulator-data"),
                        help="where stores, jobs, references and their files persist")
    parser.add_argument("--import-seconds", type=float, default=default.import_seconds,
                        help="an import job takes at least this long")
    parser.add_argument("--import-bytes-per-second", type=float, default=default.import_bytes_per_second,
                        help="read sources no faster than this")
    parser.add_argument("--delete-seconds", type=float, default=default.delete_seconds,
                        help="how long a deleted reference stays DELETING")
    parser.add_argument("--throttle-rate", type=float, default=default.throttle_rate)
    parser.add_argument("--error-rate", type=float, default=default.error_rate)
    parser.add_argument("--latency-ms", type=float, default=default.latency_ms)
    parser.add_argument("--seed", type=int, default=default.seed)
    parser.add_argument("--no-request-quotas", dest="request_quotas", action="store_false",
                        help="do not answer ThrottlingException past HealthOmics' request rates")
    parser.add_argument("--busy-answer", default=default.busy_answer, choices=BUSY_ANSWERS,
                        help="how a second import into a busy store is answered (default: refused "
                             "with ServiceQuotaExceededException; `queue` accepts it and holds it SUBMITTED)")
    parser.add_argument("--token-reuse", default=default.token_reuse, choices=TOKEN_REUSE_ANSWERS,
                        help="a reused clientToken with other parameters: the original job or store "
                             "(default), or ConflictException")
    parser.add_argument("--import-job-quota", default=default.import_job_quota, choices=IMPORT_JOB_QUOTAS,
                        help="whether Start/Get/List import jobs share one 5-per-second budget "
                             "(default) or have one each")
    parser.add_argument("--s3-server", default=None, metavar="PATH",
                        help=f"the versitygw binary that stores S3 objects under DATA_DIR/s3 (default: "
                             f"${ENV_VAR}, else versitygw on PATH, else the repository's `make setup` build)")
    args = parser.parse_args(argv)

    tune_allocator()
    controls = Controls()
    controls.update({name: getattr(args, name) for name in (
        "import_seconds", "import_bytes_per_second", "delete_seconds", "throttle_rate",
        "error_rate", "latency_ms", "seed", "request_quotas", "busy_answer", "token_reuse",
        "import_job_quota")})
    # SIGTERM ends the process through SystemExit, so the S3 server is stopped with it (atexit)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = serve(args.host, args.port, args.data_dir, controls, args.s3_server)
    except S3ServerMissing as exc:
        sys.exit(f"omics_emulator: {exc}")
    storage = server.app.storage
    print(storage.describe(), flush=True)
    restored = server.app.iam.restore()
    if restored:
        print(f"restored {restored} IAM role(s) from {args.data_dir}", flush=True)
    resumed = server.app.importer.resume()
    if resumed:
        print(f"resuming {len(resumed)} import job(s) after restart: {', '.join(resumed)}", flush=True)
    print(f"listening on http://{args.host}:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
