"""The competency questions, asked through `mha-kg query` and through /sparql.

Each `tests/competency/NN-slug.rq` comes with `NN-slug.csv`, the answer the
source text gives (IRIs in full, literals in their lexical form).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import requests

from mha_kg.cli.main import cli

QUESTIONS = sorted((Path(__file__).parent / "competency").glob("*.rq"))


def expected_rows(query: Path) -> list[list[str]]:
    with open(query.with_suffix(".csv"), newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_there_are_enough_questions():
    assert len(QUESTIONS) >= 25


@pytest.mark.parametrize("query", QUESTIONS, ids=lambda p: p.stem)
def test_answer_through_the_cli(query, runner, state_dir):
    result = runner.invoke(cli, ["query", "--file", str(query), "--format", "csv",
                                 "--setting", "state_dir", str(state_dir)])
    assert result.exit_code == 0, result.stderr
    assert parse_csv(result.stdout) == expected_rows(query)


@pytest.mark.parametrize("query", QUESTIONS, ids=lambda p: p.stem)
def test_answer_through_the_endpoint(query, live_server):
    response = requests.post(live_server + "/sparql", data={"query": query.read_text()},
                             headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200, response.text
    assert parse_csv(response.content.decode("utf-8")) == expected_rows(query)
