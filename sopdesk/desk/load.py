"""Loading a desk folder: read the files, parse them, validate them, assemble a `Desk`.

`check_desk` returns every problem (schema errors first, then lints); `load_desk` raises them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from sopdesk.desk.blocks import BlockSource, block_problems, expand_blocks
from sopdesk.desk.files import DeskFiles, read_desk_files
from sopdesk.desk.problems import DeskError, Problem
from sopdesk.desk.source import SourceError, SourceMap, parse_yaml
from sopdesk.desk.validate import validate
from sopdesk.domain.desk import Article, Board, Desk, DeskSettings, Macro, Playbook, Taxonomy
from sopdesk.domain.desk.blocks import Block
from sopdesk.domain.desk.calendar import CalendarSpec
from sopdesk.domain.desk.settings import Connector, ConnectorsFile
from sopdesk.domain.desk.sla import DEFAULT_CALENDAR, SlaFile

M = TypeVar("M", bound=BaseModel)


@dataclass
class Source(Generic[M]):
    """One validated file: its model and where each of its values was written."""

    file: str
    model: M
    where: SourceMap


@dataclass
class LoadedDesk:
    """A desk and the sources it came from, so lints can point at lines."""

    desk: Desk
    settings: Source[DeskSettings]
    taxonomy: Source[Taxonomy]
    board: Source[Board]
    sla: Source[SlaFile] | None
    playbooks: dict[str, Source[Playbook]] = field(default_factory=dict)
    macros: dict[str, Source[Macro]] = field(default_factory=dict)
    articles: dict[str, Source[Article]] = field(default_factory=dict)


class _Reader:
    def __init__(self, files: DeskFiles) -> None:
        self.files = files
        self.problems: list[Problem] = list(files.problems)

    def load(
        self,
        rel: str,
        model: type[M],
        *,
        offset: int = 0,
        text: str | None = None,
        extra: dict[str, object] | None = None,
        blocks: dict[str, BlockSource] | None = None,
    ) -> Source[M] | None:
        text = self.files.texts.get(rel) if text is None else text
        if text is None:
            return None
        try:
            doc = parse_yaml(text, rel, line_offset=offset)
        except SourceError as exc:
            self.problems.extend(exc.problems)
            return None
        data, where = doc.data, doc.where
        if extra and isinstance(data, dict):
            data = {**extra, **data}
        if blocks is not None:
            data, where, found = expand_blocks(data, where, blocks)
            if found:
                self.problems.extend(found)
                return None
        value, problems = validate(model, data, where)
        self.problems.extend(problems)
        return Source(rel, value, where) if value is not None else None

    def blocks(self) -> dict[str, BlockSource]:
        """The reusable blocks of playbooks/blocks/, by slug."""
        found: dict[str, BlockSource] = {}
        for rel in self.files.in_folder("playbooks/blocks"):
            source = self.load(rel, Block)
            if source is None:
                continue
            slug = source.model.block
            if slug in found:
                self.problems.append(
                    source.where.problem(
                        ("block",), f"block '{slug}' is also defined in {found[slug].where.file}"
                    )
                )
                continue
            block = BlockSource(source.model, source.where)
            self.problems.extend(block_problems(block))
            found[slug] = block
        return found

    def article(self, rel: str) -> Source[Article] | None:
        text = self.files.texts[rel]
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].strip() != "---":
            self.problems.append(
                Problem(rel, 1, 1, "an article starts with front matter between two '---' lines")
            )
            return None
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is None:
            self.problems.append(Problem(rel, 1, 1, "the front matter has no closing '---' line"))
            return None
        front = "".join(lines[1:end])
        body = "".join(lines[end + 1 :]).strip("\n")
        slug = Path(rel).stem
        return self.load(rel, Article, offset=1, text=front, extra={"slug": slug, "body": body})

    def unique(self, kind: str, sources: list[Source[M]], slug_key: str) -> dict[str, Source[M]]:
        found: dict[str, Source[M]] = {}
        for source in sources:
            slug = str(getattr(source.model, slug_key))
            if slug in found:
                self.problems.append(
                    source.where.problem(
                        (slug_key,), f"{kind} '{slug}' is also defined in {found[slug].file}"
                    )
                )
            else:
                found[slug] = source
        return found


def _assemble(
    files: DeskFiles,
    settings: Source[DeskSettings],
    taxonomy: Source[Taxonomy],
    board: Source[Board],
    sla: Source[SlaFile] | None,
    playbooks: dict[str, Source[Playbook]],
    macros: dict[str, Source[Macro]],
    articles: dict[str, Source[Article]],
    connectors: dict[str, Connector],
) -> LoadedDesk:
    s, t = settings.model, taxonomy.model
    business = CalendarSpec(
        timezone=s.timezone, always_open=s.always_open, hours=s.business_hours, holidays=s.holidays
    )
    calendars = {DEFAULT_CALENDAR: business}
    if sla is not None:
        calendars.update({k: v for k, v in sla.model.calendars.items() if k != DEFAULT_CALENDAR})
    desk = Desk(
        name=s.name,
        timezone=s.timezone,
        languages=list(s.languages),
        version=files.version,
        categories=t.categories(),
        columns=list(board.model.columns),
        levels=t.levels,
        groups=t.groups,
        offense_kinds=t.offense_kinds,
        count_offenses_across_linked_accounts=t.count_offenses_across_linked_accounts,
        signals=t.signals,
        escalation_rules=t.escalation_rules,
        case_limits=t.case_limits,
        calendars=calendars,
        sla_policies=sla.model.policies if sla else [],
        fulfilment=sla.model.fulfilment if sla else None,
        playbooks={k: v.model for k, v in playbooks.items()},
        macros={k: v.model for k, v in macros.items()},
        articles={k: v.model for k, v in articles.items()},
        channels=s.channels,
        roles=s.roles,
        approvers=s.approvers,
        limits=s.limits,
        bot=s.bot,
        status_page=s.status_page,
        triage=s.triage,
        customer_links=s.customer_links,
        partner_portal=s.partner_portal,
        trends=s.trends,
        review=s.review,
        connectors={**s.connectors, **connectors},
    )
    return LoadedDesk(desk, settings, taxonomy, board, sla, playbooks, macros, articles)


def read_desk(path: Path) -> tuple[LoadedDesk | None, list[Problem]]:
    """Reads and validates a desk folder; the desk is None when any file is broken."""
    if not path.is_dir():
        return None, [Problem(str(path), 1, 1, "is not a desk folder (no such directory)")]
    files = read_desk_files(path)
    reader = _Reader(files)
    settings = reader.load("desk.yaml", DeskSettings)
    taxonomy = reader.load("taxonomy.yaml", Taxonomy)
    board = reader.load("board.yaml", Board)
    sla = reader.load("sla.yaml", SlaFile)
    connectors = reader.load("connectors.yaml", ConnectorsFile)
    if connectors is not None and settings is not None:
        for name in sorted(set(connectors.model.connectors) & set(settings.model.connectors)):
            reader.problems.append(
                connectors.where.problem(
                    ("connectors", name),
                    f"connector '{name}' is also declared in desk.yaml",
                    key=True,
                )
            )
    blocks = reader.blocks()
    playbooks = reader.unique(
        "playbook",
        [s for r in files.in_folder("playbooks") if (s := reader.load(r, Playbook, blocks=blocks))],
        "playbook",
    )
    macros = reader.unique(
        "macro", [m for r in files.in_folder("macros") if (m := reader.load(r, Macro))], "macro"
    )
    articles = reader.unique(
        "article", [a for r in files.in_folder("kb") if (a := reader.article(r))], "slug"
    )
    if reader.problems or settings is None or taxonomy is None or board is None:
        return None, sorted(set(reader.problems))
    extra = connectors.model.connectors if connectors is not None else {}
    loaded = _assemble(files, settings, taxonomy, board, sla, playbooks, macros, articles, extra)
    return loaded, []


def check_desk(path: Path) -> list[Problem]:
    """Every problem of the desk at `path`, in file and line order; empty means it is fine."""
    from sopdesk.desk.lints import lint_desk

    loaded, problems = read_desk(path)
    if loaded is None:
        return problems
    return sorted(set(lint_desk(loaded)))


def load_desk(path: Path) -> Desk:
    """Loads the desk at `path`, or raises DeskError listing every problem."""
    from sopdesk.desk.lints import lint_desk

    loaded, problems = read_desk(path)
    if loaded is not None:
        problems = lint_desk(loaded)
    if problems or loaded is None:
        raise DeskError.from_problems(str(path), sorted(set(problems)))
    return loaded.desk.model_copy(update={"folder": str(path)})
