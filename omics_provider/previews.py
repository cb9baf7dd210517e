"""`omics_provider.previews` is `omics_review.previews` (the preview reader), under its old name."""

import sys

from omics_review import previews

sys.modules[__name__] = previews  # one module under both names: `from omics_provider import previews` is it
