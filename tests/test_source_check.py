"""`mha-kg source check` on edited copies of the page (tests/fixtures/source/): the right sections,
what changed in them, and the entities and statements to review."""

from __future__ import annotations

import json

import pytest

from mha_kg.cli.main import cli

from .conftest import FIXTURES, ROOT

SOURCE = "https://w3id.org/mha-kg/id/source/"
ID = "https://w3id.org/mha-kg/id/"
DIRECTOR = "Director of Digital Healthcare, University Hospital Birmingham"

#: fixture -> (section, status, a line removed or None, a line added or None, an entity to review or None)
CASES = {
    "new-partner": ("hdr-uk-midlands", "changed", None, "· Coventry University", None),
    "changed-director": ("hdr-uk-midlands", "changed",
                         f"Professor Simon Ball, {DIRECTOR}", f"Professor Jane Example, {DIRECTOR}",
                         "person/simon-ball"),
    "removed-initiative": ("hdr-uk-midlands", "changed", "Principal Investigator: Professor Matt Keeling",
                           None, "project/environment-and-population-health"),
    "reworded-aim": ("nihr-hic", "changed", None, None, "list/nihr-hic/data-flows"),
    "renamed-section": ("nihr-spcr", "renamed", None, None, "organisation/nihr-spcr"),
}


def run(runner, settings, *args):
    return runner.invoke(cli, [*args, "--setting", "state_dir", settings["state_dir"]])


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_edited_copy_names_its_section_and_what_to_review(name, runner, settings, kg):
    section, status, removed, added, entity = CASES[name]
    copy = FIXTURES / "source" / f"{name}.txt"
    done = run(runner, settings, "source", "check", str(copy), "--format", "json")
    assert done.exit_code == 3, done.output
    report = json.loads(done.output)
    assert [(s["iri"], s["status"]) for s in report["sections"] if s["status"] != "unchanged"] == [
        (SOURCE + section, status)]
    changed = next(s for s in report["sections"] if s["status"] != "unchanged")
    if removed:
        assert removed in changed["removed"]
    if added:
        assert added in changed["added"]
    if entity:
        assert ID + entity in {e["iri"] for e in changed["likely"]}
        assert any(st["subject"] == ID + entity for st in changed["statements"])
    assert changed["subject"]["iri"].startswith(ID + "organisation/")
    assert len(changed["entities"]) >= 1


def test_the_renamed_section_is_found_under_its_new_title(runner, settings, kg):
    done = run(runner, settings, "source", "check", str(FIXTURES / "source" / "renamed-section.txt"))
    assert done.exit_code == 3
    assert ("[renamed] NIHR school for Primary Care Research -> NIHR School for Primary Care Research (SPCR)"
            in done.output)


def test_the_same_text_is_no_change(runner, settings, kg):
    same = ROOT / "data" / "source" / "associated-organisations.txt"
    done = run(runner, settings, "source", "check", str(same))
    assert done.exit_code == 0
    assert done.output.startswith("No change: the text has the same 7 sections")


def test_accept_needs_a_curator(runner, settings, kg):
    done = run(runner, settings, "source", "check", str(FIXTURES / "source" / "new-partner.txt"), "--accept")
    assert done.exit_code == 1 and "--accept needs --curator SLUG" in done.output
