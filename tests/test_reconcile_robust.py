"""Whatever ids and property values a client sends, reconciliation and extension answer without a 5xx.

Property-based, on the service layer over the real store: an extension call
gives every id a row (empty for one that names nothing), and a query with
any property values (strings, numbers, booleans, entity references, junk)
returns candidates or a KGError, never another exception.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mha_kg.errors import KGError
from mha_kg.find import reconcile

REAL = ["organisation/university-of-warwick", "organisation/wmg", "person/simon-ball"]
ids = st.lists(st.one_of(st.sampled_from(REAL), st.text(max_size=40)), min_size=1, max_size=12, unique=True)
values = st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                   st.fixed_dictionaries({"id": st.one_of(st.sampled_from(REAL), st.text(max_size=30)),
                                          "name": st.text(max_size=30)}),
                   st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))


@settings(max_examples=60, deadline=None)
@given(ids)
def test_every_id_gets_a_row_and_known_ids_their_values(kg, chosen):
    answer = reconcile.extend(kg, chosen, [{"id": "name"}, {"id": "parent"}])
    assert set(answer["rows"]) == set(chosen)
    for i in chosen:
        assert (answer["rows"][i]["name"] != []) == (i in REAL)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.sampled_from(reconcile.SCORING_PROPERTIES), st.lists(values, max_size=3))
def test_any_property_value_scores_or_is_a_clear_error(kg, text, pid, given_values):
    try:
        found = reconcile.reconcile(kg, reconcile.Query(text, [], 3, [(pid, given_values)]))
    except KGError:
        return
    assert all(0 <= c["score"] <= 100 for c in found)


def test_a_subject_outside_the_name_index_still_extends(kg):
    """A place is no reconciliation candidate, but an id naming it (OpenRefine's "Use values as
    identifiers") still gets its values."""
    assert f"{kg.base}/id/place/birmingham" not in reconcile.search.index_for(kg).by_iri
    answer = reconcile.extend(kg, ["place/birmingham", "place/nowhere"], [{"id": "name"}])
    assert answer["rows"] == {"place/birmingham": {"name": [{"str": "Birmingham"}]},
                              "place/nowhere": {"name": []}}
