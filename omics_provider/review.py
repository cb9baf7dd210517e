"""`python -m omics_provider.review`: the reviewer's summary, which is `omics_review.review`."""

import sys

from omics_review import review

if __name__ == "__main__":
    sys.exit(review.main())
sys.modules[__name__] = review  # one module under both names: `from omics_provider import review` is it
