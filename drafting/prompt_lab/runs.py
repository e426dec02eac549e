"""Evaluation runs kept in the data directory (DRAFTER_HOME/prompt_lab.sqlite3), to compare over time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from drafting.prompt_lab.metrics import CaseMetrics
from drafting.prompt_lab.runner import EvalRun
from drafting.store.sqlite_file import SQLiteFile

MIGRATIONS = (
    """CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started TEXT NOT NULL,
        template TEXT NOT NULL,
        version TEXT NOT NULL,
        model TEXT NOT NULL,
        model_description TEXT NOT NULL,
        cases TEXT NOT NULL,
        repeats INTEGER NOT NULL,
        settings TEXT NOT NULL,
        seconds REAL NOT NULL
    )""",
    """CREATE TABLE eval_results (
        run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        repeat INTEGER NOT NULL,
        case_id TEXT NOT NULL,
        metrics TEXT NOT NULL,
        PRIMARY KEY (run_id, repeat, case_id)
    )""",
)


class RunNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RunSummary:
    id: int
    started: str
    template: str
    version: str
    model: str
    cases: str
    repeats: int
    seconds: float


class EvalRunStore:
    """Append-only: a run is saved once, whole, and read back as it was."""

    def __init__(self, path: Path) -> None:
        self._db = SQLiteFile(path, MIGRATIONS)

    def save(self, run: EvalRun) -> int:
        with self._db.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO eval_runs (started, template, version, model, model_description, cases,"
                " repeats, settings, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.started,
                    run.template,
                    run.version,
                    run.model,
                    run.model_description,
                    run.cases,
                    run.repeats,
                    json.dumps(run.settings, ensure_ascii=False),
                    run.seconds,
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO eval_results (run_id, repeat, case_id, metrics) VALUES (?, ?, ?, ?)",
                [
                    (run_id, repeat, m.case_id, json.dumps(m.to_json(), ensure_ascii=False))
                    for repeat, rows in enumerate(run.results)
                    for m in rows
                ],
            )
        run.id = run_id
        return run_id

    def history(self, limit: int = 50) -> list[RunSummary]:
        """The latest runs, newest first."""
        with self._db.connect() as conn:
            rows = conn.execute(
                "SELECT id, started, template, version, model, cases, repeats, seconds"
                " FROM eval_runs ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [RunSummary(**dict(r)) for r in rows]

    def get(self, run_id: int) -> EvalRun:
        with self._db.connect() as conn:
            row = conn.execute("SELECT * FROM eval_runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise RunNotFound(f"没有编号为 {run_id} 的评测记录")
            results = conn.execute(
                "SELECT repeat, metrics FROM eval_results WHERE run_id = ? ORDER BY repeat, rowid", (run_id,)
            ).fetchall()
        run = EvalRun(
            template=row["template"],
            version=row["version"],
            model=row["model"],
            model_description=row["model_description"],
            cases=row["cases"],
            repeats=row["repeats"],
            settings=json.loads(row["settings"]),
            started=row["started"],
            seconds=row["seconds"],
            id=row["id"],
        )
        for repeat, metrics in ((r["repeat"], r["metrics"]) for r in results):
            while len(run.results) <= repeat:
                run.results.append([])
            run.results[repeat].append(CaseMetrics.from_json(json.loads(metrics)))
        return run
