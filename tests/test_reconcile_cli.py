"""`mha-kg reconcile`: the CSV flow without OpenRefine."""

from __future__ import annotations

import csv
import io

from mha_kg.cli.main import cli


def _run(runner, settings, *args):
    return runner.invoke(cli, ["reconcile", *args, "--setting", "state_dir", settings["state_dir"]])


def test_csv_gets_ids_scores_matches_and_extension_columns(runner, settings, kg, tmp_path):
    source = tmp_path / "partners.csv"
    source.write_text("Partner,note\nUni of Warwick,a\nNIHR HIC,b\nCoventry University,c\n,d\n",
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _run(runner, settings, str(source), "--column", "Partner", "--extend", "ror,parent",
                  "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["Partner", "note", "id", "name", "score", "match", "ror", "parent"]
    assert rows[0]["id"] == f"{kg.base}/id/organisation/university-of-warwick" and rows[0]["match"] == "true"
    assert rows[0]["ror"].startswith("https://ror.org/")
    assert rows[1]["parent"] == "National Institute for Health Research" and rows[1]["match"] == "true"
    assert rows[2]["match"] == "false"  # a look-alike is never a match
    assert rows[3]["id"] == "" and rows[3]["note"] == "d"


def test_long_files_show_a_progress_bar_and_keep_existing_columns(runner, settings, kg, tmp_path):
    source = tmp_path / "long.csv"
    source.write_text("name\n" + "Keele Univ\n" * 60, encoding="utf-8")
    result = _run(runner, settings, str(source), "--column", "name", "--type", "org:Organization")
    assert result.exit_code == 0
    assert "Reconciling" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 60 and rows[0]["reconciled name"] == "Keele University"


def test_a_missing_column_is_one_line_and_exit_1(runner, settings, tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    result = _run(runner, settings, str(source), "--column", "Name")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "no column 'Name'" in result.stderr


def test_other_columns_are_sent_as_query_properties(runner, settings, kg, tmp_path):
    source = tmp_path / "units.csv"
    source.write_text("Unit,Parent,Town\nWarwick,Health Data Research UK Midlands,\n"
                      "Keele,,Newcastle-under-Lyme\n", encoding="utf-8")
    plain = _run(runner, settings, str(source), "--column", "Unit", "--type", "org:Organization")
    helped = _run(runner, settings, str(source), "--column", "Unit", "--type", "org:Organization",
                  "--property", "Parent=parent", "--property", "Town=city")
    assert plain.exit_code == 0 and helped.exit_code == 0, helped.output
    before = list(csv.DictReader(io.StringIO(plain.stdout)))
    after = list(csv.DictReader(io.StringIO(helped.stdout)))
    assert after[0]["id"] == before[0]["id"] == f"{kg.base}/id/organisation/university-of-warwick"
    assert float(after[0]["score"]) == float(before[0]["score"]) + 10
    assert float(after[1]["score"]) == float(before[1]["score"]) + 5


def test_a_wrong_query_property_is_one_line_and_exit_1(runner, settings, tmp_path):
    source = tmp_path / "units.csv"
    source.write_text("Unit,Town\nKeele,Keele\n", encoding="utf-8")
    for given, words in (("Town", "COLUMN=PID"), ("Nope=city", "no column"), ("Town=colour", "not a query")):
        result = _run(runner, settings, str(source), "--column", "Unit", "--property", given)
        assert result.exit_code == 1 and words in result.stderr and result.stderr.count("\n") == 1
