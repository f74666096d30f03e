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


class BlobWriter:
    """One file being written: bytes go to a temporary file and are hashed as they come.

    `commit()` names the file by its hash (dropping the copy when that blob already exists);
    `abort()` removes it. Past `limit` bytes `write` aborts and raises TooLarge.
    """

    def __init__(self, store: BlobStore, limit: int | None = None) -> None:
        store.root.mkdir(parents=True, exist_ok=True)
        self.store = store
        self.limit = limit
        self.size = 0
        self._digest = hashlib.sha256()
        fd, self._tmp = tempfile.mkstemp(dir=store.root, prefix=".incoming-")
        self._handle = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            self.abort()
            raise TooLarge(self.limit, self.size)
        self._digest.update(chunk)
        self._handle.write(chunk)

    def commit(self) -> Blob:
        self._handle.close()
        sha = self._digest.hexdigest()
        target = self.store.path_of(sha)
        if target.exists():
            Path(self._tmp).unlink(missing_ok=True)
        else:
            target.parent.mkdir(exist_ok=True)
            os.replace(self._tmp, target)
        return Blob(sha, self.size)

    def abort(self) -> None:
        self._handle.close()
        Path(self._tmp).unlink(missing_ok=True)


class BlobStore:
    """A folder of files named by their SHA-256 (`ab/abcdef…`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def writer(self, limit: int | None = None) -> BlobWriter:
        """A writer for one streamed file (commit or abort it)."""
        return BlobWriter(self, limit)

    def write(self, chunks: Iterable[bytes], limit: int | None = None) -> Blob:
        """Streams `chunks` to disk, hashing as it goes; raises TooLarge past `limit` bytes."""
        writer = self.writer(limit)
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    def write_bytes(self, data: bytes, limit: int | None = None) -> Blob:
        """Stores bytes already in memory; bytes stored before cost a hash and no file write."""
        if limit is not None and len(data) > limit:
            raise TooLarge(limit, len(data))
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha)
        if not target.exists():
            view = memoryview(data)
            step = 1 << 20
            chunks = (view[i : i + step].tobytes() for i in range(0, len(view), step))
            written = self.write(chunks)
            assert written.sha256 == sha
        return Blob(sha, len(data))

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
