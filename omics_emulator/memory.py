"""Keep the endpoint's memory flat: big buffers go back to the OS as soon as they are freed.

moto handles S3 uploads in memory (a 1 GiB CompleteMultipartUpload briefly holds the object
twice). glibc would keep that memory after it is freed (per-thread arenas, and an mmap
threshold that grows after big frees), so one large upload inflated the endpoint for good.
A fixed mmap threshold and few arenas return it. No-op where glibc is not the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024  # above the 1 MiB chunks of an import


def tune_allocator() -> bool:
    """Set glibc's malloc so freed large buffers are unmapped; True when it applied."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "mallopt"):
        return False
    return all((
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
        libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES),
        libc.mallopt(M_ARENA_MAX, 2),
    ))


def release_free_memory() -> None:
    """Return free heap pages of every arena to the OS (glibc's malloc_trim); no-op elsewhere."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
