"""Reading the files of a desk folder safely: size limits, UTF-8, no symlinks out of the folder.

Also the desk's content hash: sha256 over relative paths and bytes, so it is path-independent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sopdesk.desk.problems import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DESK_BYTES = 32 * 1024 * 1024
MAX_FILES = 2000
REQUIRED = ("desk.yaml", "taxonomy.yaml", "board.yaml")
OPTIONAL = ("sla.yaml", "connectors.yaml")
FOLDERS = {
    "playbooks": (".yaml", ".yml"),
    "playbooks/blocks": (".yaml", ".yml"),
    "macros": (".yaml", ".yml"),
    "kb": (".md",),
}


@dataclass
class DeskFiles:
    """The text of every desk file by relative path, and the problems met reading them."""

    root: Path
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    @property
    def version(self) -> str:
        return self.digest.hexdigest()

    def in_folder(self, folder: str) -> list[str]:
        """The files directly in `folder` (playbooks/blocks/ is a folder of its own)."""
        return sorted(
            p for p in self.texts if p.startswith(folder + "/") and "/" not in p[len(folder) + 1 :]
        )


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _first_bad_byte(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int]:
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    col = exc.start - (before.rfind(b"\n") + 1) + 1
    return line, col


def _read(files: DeskFiles, rel: str) -> None:
    path = files.root / rel
    if not _inside(files.root, path):
        target = path.resolve() if path.is_symlink() else path
        files.problems.append(
            Problem(rel, 1, 1, f"is a link to {target}, outside the desk folder; refusing it")
        )
        return
    if not path.is_file():
        files.problems.append(Problem(rel, 1, 1, "is not a regular file"))
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        files.problems.append(
            Problem(
                rel,
                1,
                1,
                f"is {size / 1024 / 1024:.1f} MiB; a desk file may be at most "
                f"{MAX_FILE_BYTES // 1024} KiB",
            )
        )
        return
    data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _first_bad_byte(data, exc)
        files.problems.append(
            Problem(
                rel,
                line,
                col,
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            )
        )
        return
    if text.startswith("\ufeff"):
        text = text[1:]
    files.texts[rel] = text
    # Length-prefixed so that no two different desks can hash alike by shifting bytes.
    name = rel.encode("utf-8")
    files.digest.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big"))
    files.digest.update(data)


def desk_file_names(root: Path, problems: list[Problem] | None = None) -> list[str]:
    """The relative paths of the files that make the desk (what `read_desk_files` reads and
    the desk's version hashes): never the database, attachments or trained models kept in
    the same folder. Problems (a required file missing, a folder that links out) are added
    to `problems` when given."""
    found = [] if problems is None else problems
    names: list[str] = []
    for name in REQUIRED:
        if (root / name).exists() or (root / name).is_symlink():
            names.append(name)
        else:
            found.append(Problem(name, 1, 1, "is missing; every desk needs this file"))
    names.extend(n for n in OPTIONAL if (root / n).exists() or (root / n).is_symlink())
    for folder, suffixes in FOLDERS.items():
        base = root / folder
        if not (base.exists() or base.is_symlink()):
            continue
        if not _inside(root.resolve(), base) or not base.is_dir():
            found.append(
                Problem(folder, 1, 1, "must be a folder inside the desk folder, not a link out")
            )
            continue
        names.extend(
            f"{folder}/{p.name}"
            for p in sorted(base.iterdir())
            if p.suffix in suffixes and not p.name.startswith(".")
        )
    return names


def read_desk_files(root: Path) -> DeskFiles:
    """Reads every desk file under `root`; problems are collected, not raised."""
    files = DeskFiles(root.resolve())
    names = desk_file_names(root, files.problems)
    if len(names) > MAX_FILES:
        files.problems.append(Problem(".", 1, 1, f"has {len(names)} files; at most {MAX_FILES}"))
        return files
    total = 0
    for rel in sorted(names):
        _read(files, rel)
        total += len(files.texts.get(rel, ""))
        if total > MAX_DESK_BYTES:
            files.problems.append(Problem(rel, 1, 1, "the desk is larger than 32 MiB in all"))
            break
    return files
