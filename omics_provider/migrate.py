"""`python -m omics_provider.migrate`: the state migration, which is `omics_review.migrate`."""

import sys

from omics_review import migrate

if __name__ == "__main__":
    sys.exit(migrate.main())
sys.modules[__name__] = migrate  # one module under both names: `from omics_provider import migrate` is it
