"""Expanding reusable blocks into the playbooks that use them, at load time.

A step `{use: <block>, with: {...}}` becomes the block's steps with its parameters filled in.
The expanded playbook's source map sends each inlined step to the block file, so a problem in
a block's step is reported at the block's file and line; a problem of the use itself (an unknown
block or parameter, a missing parameter, a step id that is already taken) at the `use:` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sopdesk.desk.problems import Problem
from sopdesk.desk.source import Path_, SourceMap
from sopdesk.domain.desk.blocks import Block, fill, placeholders

USE_KEYS = frozenset({"use", "with"})


@dataclass
class BlockSource:
    model: Block
    where: SourceMap


def block_problems(source: BlockSource) -> list[Problem]:
    """A `${name}` in a block that its `params` do not declare."""
    block, where = source.model, source.where
    found = []
    for i, step in enumerate(block.steps):
        for name, path in placeholders(step):
            if name not in block.params:
                known = ", ".join(sorted(block.params)) or "none"
                found.append(
                    where.problem(
                        ("steps", i, *path),
                        f"block '{block.block}' has no parameter '{name}' (params: {known})",
                    )
                )
    return found


def _shift(where: SourceMap, old: int, new: int, into: SourceMap) -> None:
    """Copies the positions of step `old` of `where` as those of step `new` of `into`."""
    for table_name in ("values", "keys"):
        table: dict[Path_, tuple[int, int]] = getattr(where, table_name)
        target: dict[Path_, tuple[int, int]] = getattr(into, table_name)
        for path, pos in table.items():
            if path[:2] == ("steps", old):
                target[("steps", new, *path[2:])] = pos
    for path in where.blocks:
        if path[:2] == ("steps", old):
            into.blocks.add(("steps", new, *path[2:]))


def _use(
    step: dict[str, Any], i: int, where: SourceMap, blocks: dict[str, BlockSource]
) -> tuple[BlockSource | None, dict[str, Any], list[Problem]]:
    """The block a `use:` step names and its filled-in parameters, or the problems."""
    problems = [
        where.problem(
            ("steps", i, key), f"a `use:` step takes only use and with, not `{key}`", key=True
        )
        for key in step
        if key not in USE_KEYS
    ]
    name = step.get("use")
    source = blocks.get(name) if isinstance(name, str) else None
    if source is None:
        known = ", ".join(sorted(blocks)) or "none; write them in playbooks/blocks/"
        problems.append(
            where.problem(("steps", i, "use"), f"there is no block '{name}' (blocks: {known})")
        )
        return None, {}, problems
    given = step.get("with") or {}
    if not isinstance(given, dict):
        problems.append(where.problem(("steps", i, "with"), "`with` is a mapping of parameters"))
        return None, {}, problems
    params = source.model.params
    for key in given:
        if key not in params:
            known = ", ".join(sorted(params)) or "none"
            problems.append(
                where.problem(
                    ("steps", i, "with", key),
                    f"block '{name}' has no parameter '{key}' (params: {known})",
                    key=True,
                )
            )
    for key, param in params.items():
        if key not in given and param.required:
            problems.append(
                where.problem(
                    ("steps", i, "use"),
                    f"block '{name}' needs the parameter '{key}'"
                    + (f" ({param.about})" if param.about else ""),
                )
            )
    values = {k: p.default for k, p in params.items() if not p.required}
    return source, {**values, **given}, problems


def expand_blocks(
    data: Any, where: SourceMap, blocks: dict[str, BlockSource]
) -> tuple[Any, SourceMap, list[Problem]]:
    """The playbook `data` with every `use:` step replaced by its block's steps, the source map
    that says where each step was written, and the problems of the uses."""
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list) or not any(isinstance(s, dict) and "use" in s for s in steps):
        return data, where, []
    out = SourceMap(where.file)
    out.values.update({p: v for p, v in where.values.items() if p[:1] != ("steps",) or len(p) < 2})
    out.keys.update({p: v for p, v in where.keys.items() if p[:1] != ("steps",) or len(p) < 2})
    out.blocks.update(p for p in where.blocks if p[:1] != ("steps",) or len(p) < 2)
    expanded: list[Any] = []
    problems: list[Problem] = []
    ids: dict[str, str] = {}  # step id -> where it comes from, in words
    for i, step in enumerate(steps):
        if not (isinstance(step, dict) and "use" in step):
            if isinstance(step, dict) and "block" in step:
                problems.append(
                    where.problem(("steps", i, "block"), "`block` is set by `use:`", key=True)
                )
            _shift(where, i, len(expanded), out)
            sid = step.get("id") if isinstance(step, dict) else None
            if isinstance(sid, str) and ids.get(sid, "").startswith("from block"):
                problems.append(
                    where.problem(
                        ("steps", i, "id"),
                        f"step id '{sid}' is taken: the block brings a step '{sid}' "
                        f"({ids[sid]}); rename one of them",
                    )
                )
            elif isinstance(sid, str):
                ids.setdefault(sid, f"line {where.at(('steps', i))[0]}")
            expanded.append(step)
            continue
        source, given, found = _use(step, i, where, blocks)
        problems.extend(found)
        if source is None or found:
            continue
        line = where.at(("steps", i))[0]
        for j, raw in enumerate(source.model.steps):
            missing: list[str] = []
            filled = {**fill(raw, given, missing), "block": source.model.block}
            sid = filled.get("id")
            if isinstance(sid, str) and sid in ids:
                problems.append(
                    where.problem(
                        ("steps", i, "use"),
                        f"block '{source.model.block}' brings step '{sid}', but this playbook "
                        f"already has a step '{sid}' ({ids[sid]}); rename one of them",
                    )
                )
            elif isinstance(sid, str):
                ids[sid] = f"from block '{source.model.block}' at line {line}"
            out.inlined[("steps", len(expanded))] = (source.where, ("steps", j))
            out.values[("steps", len(expanded))] = where.at(("steps", i))
            expanded.append(filled)
    return {**data, "steps": expanded}, out, problems
