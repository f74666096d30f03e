"""`sopdesk triage train` (learn from the taxonomy and the desk's cases) and
`sopdesk triage eval FILE` (accuracy per category, a confusion table, signal catch rate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sopdesk.cli.app import app, friendly, out
from sopdesk.cli.options import DatabaseOpt, DeskOpt, load_settings, open_database
from sopdesk.desk import load_desk
from sopdesk.triage import Triager
from sopdesk.triage.evaluate import Evaluation, evaluate, read_eval_file
from sopdesk.triage.history import training_cases

MODELS = ".models"  # under the desk folder; one file per desk version and model kind
triage_app = typer.Typer(
    help="Train and evaluate the triage model of a desk.", no_args_is_help=True
)
app.add_typer(triage_app, name="triage")


@triage_app.command("train")
@friendly
def train(desk: DeskOpt = None, database_url: DatabaseOpt = None) -> None:
    """Retrain triage from the taxonomy's examples plus the desk's resolved and corrected cases.

    Example: sopdesk triage train --desk ./desk
    """
    settings = load_settings(desk=desk, database_url=database_url)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=out) as progress:
        task = progress.add_task("loading the desk", total=4)
        loaded = load_desk(settings.desk)
        progress.update(task, advance=1, description="reading resolved and corrected cases")
        db = open_database(settings)
        try:
            cases = training_cases(db)
        finally:
            db.dispose()
        progress.update(
            task, advance=1, description=f"fitting and calibrating ({len(cases)} cases)"
        )
        embedding = progress.add_task("embedding examples", total=None, visible=False)

        def embedded(done: int, total: int) -> None:  # model `embeddings` only
            progress.update(embedding, completed=done, total=total, visible=True)

        triager = Triager.train(loaded, cases, progress=embedded)
        progress.update(task, advance=1, description="saving the model")
        path = triager.save(settings.desk / MODELS)
        progress.update(task, advance=1, description="done")
    out.print(
        f"trained on {triager.trained_on} examples ({len(cases)} from cases), "
        f"{len(triager.model.classes)} categories; saved {path}",
        highlight=False,
        soft_wrap=True,
    )


@triage_app.command("eval")
@friendly
def eval_(
    file: Annotated[Path, typer.Argument(help="A YAML file of held-out messages.")],
    desk: DeskOpt = None,
) -> None:
    """Score triage on held-out messages: accuracy per category and what it confused them with.

    Example: sopdesk triage eval ./desk/eval/categories.yaml --desk ./desk
    """
    settings = load_settings(desk=desk)
    messages = read_eval_file(file)
    loaded = load_desk(settings.desk)
    result = evaluate(Triager.for_desk(loaded, settings.desk / MODELS), messages)
    if result.total:
        _print_categories(result)
    if result.signal_stated or result.signal_quiet:
        out.print(
            f"signals: caught {result.signal_caught}/{result.signal_stated} "
            f"({result.signal_recall:.1%}); false alarms {result.signal_false}/"
            f"{result.signal_quiet} ({result.false_alarm_rate:.1%})",
            highlight=False,
        )
    if result.unfit:
        out.print(
            f"no category fits: {result.unfit_held}/{result.unfit} left to a person "
            f"({result.unfit_rate:.1%})",
            highlight=False,
        )
        for miss in result.misses:
            if "no category fits" in miss:
                out.print(f"  {miss}", highlight=False, soft_wrap=True)


def _print_categories(result: Evaluation) -> None:
    table = Table(title=f"accuracy {result.accuracy:.1%} on {result.total} messages")
    for column in ("category", "messages", "correct", "accuracy", "taken for"):
        table.add_column(column)
    for slug, score in result.categories.items():
        confused = ", ".join(f"{c} ({n})" for c, n in score.confused_with.most_common(3))
        table.add_row(slug, str(score.total), str(score.correct), f"{score.accuracy:.0%}", confused)
    out.print(table)
    share = result.confident_correct / result.confident if result.confident else 0.0
    out.print(
        f"over the desk's threshold: {result.confident}/{result.total} messages, "
        f"{share:.1%} of them right",
        highlight=False,
    )
