"""`python -m omics_provider.guard`: the GitOps apply guard, which is `omics_review.guard`."""

import sys

from omics_review import guard

if __name__ == "__main__":
    sys.exit(guard.main())
sys.modules[__name__] = guard  # one module under both names: `from omics_provider import guard` is it
