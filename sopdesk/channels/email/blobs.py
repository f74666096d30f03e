"""Files on disk under their SHA-256: attachments and raw messages, written as streams.

Content-addressed, so storing the same bytes twice is one file and a crash leaves no half file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class TooLarge(Exception):
    """A stream passed the size limit; nothing was kept."""

    def __init__(self, limit: int, seen: int) -> None:
        super().__init__(f"larger than the limit of {limit} bytes (read {seen} so far)")
        self.limit = limit
        self.seen = seen


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


class BlobStore:
    """A folder of files named by their SHA-256 (`ab/abcdef…`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def write(self, chunks: Iterable[bytes], limit: int | None = None) -> Blob:
        """Streams `chunks` to disk, hashing as it goes; raises TooLarge past `limit` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(limit, size)
                    digest.update(chunk)
                    handle.write(chunk)
            sha = digest.hexdigest()
            target = self.path_of(sha)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Blob(sha, size)

    def write_bytes(self, data: bytes, limit: int | None = None) -> Blob:
        view = memoryview(data)
        step = 1 << 20
        return self.write((view[i : i + step].tobytes() for i in range(0, len(view), step)), limit)

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
