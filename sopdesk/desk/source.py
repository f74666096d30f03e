"""YAML parsing that remembers where every value came from, and refuses hostile input.

Aliases are expanded by our own walk with a node budget, so a "billion laughs" file stops early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from sopdesk.desk.problems import Problem

Path_ = tuple[str | int, ...]
MAX_NODES = 50_000
MAX_DEPTH = 64
ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")
)


class SourceError(Exception):
    """Raised while parsing one file; carries the problems found so far."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message if problems else "bad source")
        self.problems = problems


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of one parsed file starts."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    blocks: set[Path_] = field(default_factory=set)  # values written as `|` or `>` blocks
    # Steps written in another file (a reusable block's, inside a playbook that uses it):
    # ("steps", i) here -> (the block file's map, ("steps", j) there).
    inlined: dict[Path_, tuple[SourceMap, Path_]] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[SourceMap, Path_]:
        """The map (this file's, or a block's) that says where the value at `path` was written,
        and its path there."""
        hit = self.inlined.get(tuple(path[:2]))
        if hit is None:
            return self, tuple(path)
        other, there = hit
        return other.locate((*there, *path[2:]))

    def at(self, path: Path_) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest known ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def key_at(self, path: Path_) -> tuple[int, int]:
        """The position of the key that names `path` (for "unknown field" problems)."""
        return self.keys.get(tuple(path)) or self.at(path)

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        where, path = self.locate(path)
        line, col = where.key_at(path) if key else where.at(path)
        return Problem(where.file, line, col, message)

    def text_problem(self, path: Path_, line_in_text: int, message: str) -> Problem:
        """A problem at line `line_in_text` of the text value at `path`."""
        where, path = self.locate(path)
        line, col = where.text_line(path, line_in_text)
        return Problem(where.file, line, col, message)

    def text_line(self, path: Path_, line_in_text: int) -> tuple[int, int]:
        """The file position of line `line_in_text` (1-based) of the text value at `path`."""
        line, col = self.at(path)
        if tuple(path) in self.blocks:
            return line + line_in_text, col
        return line + line_in_text - 1, col


@dataclass
class YamlDoc:
    data: Any
    where: SourceMap


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, where: SourceMap, offset: int) -> None:
        self.loader = loader
        self.where = where
        self.offset = offset
        self.budget = MAX_NODES

    def mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def fail(self, node: yaml.Node, message: str) -> SourceError:
        line, col = self.mark(node)
        return SourceError([Problem(self.where.file, line, col, message)])

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(
                node,
                f"the file expands to more than {MAX_NODES} values (too many aliases?); "
                "refusing it as a possible YAML bomb",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"values are nested more than {MAX_DEPTH} levels deep")
        self.where.values[path] = self.mark(node)
        if node.tag not in ALLOWED_TAGS:
            raise self.fail(node, f"the tag {node.tag} is not allowed in desk files")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            self.where.blocks.add(path)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"cannot read this value: {exc}") from None

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a key must be a plain word, not a list or mapping")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys (<<) are not supported in desk files")
            key = self.loader.construct_object(key_node)
            if isinstance(key, bool | float) or key is None:
                key = key_node.value
            if key in result:
                raise self.fail(key_node, f"'{key}' is given twice in the same mapping")
            self.where.keys[(*path, key)] = self.mark(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


def parse_yaml(text: str, file: str, *, line_offset: int = 0) -> YamlDoc:
    """Parses one YAML document; raises SourceError with file:line:col problems.

    `line_offset` is added to every line (for front matter that starts below line 1).
    """
    where = SourceMap(file)
    where.values[()] = (1 + line_offset, 1)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc({}, where)
        return YamlDoc(_Walker(loader, where, line_offset).build(node, (), 0), where)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc):
            reason = "a desk file holds one YAML document; remove the extra '---'"
        raise SourceError([Problem(file, line, col, f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise SourceError([Problem(file, 1, 1, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise SourceError([Problem(file, 1, 1, "the YAML nests too deeply")]) from None
    finally:
        loader.dispose()
