"""one_of answers exactly what pandas' isin does, on Arrow and other columns."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gisapp import columns
from gisapp.columns import one_of

codes = st.one_of(st.none(), st.sampled_from(["410199", "410199001", "410199001001", "甲", ""]))


@given(values=st.lists(codes, max_size=30), wanted=st.lists(codes, max_size=6))
def test_one_of_is_isin(values, wanted):
    for dtype in ("string[pyarrow]", "string[python]", object):
        column = pd.Series(values, dtype=dtype)
        assert one_of(column, wanted).tolist() == column.isin(wanted).fillna(False).tolist()


@pytest.mark.parametrize("column", [
    pd.Series(["a", None, "b", "a"], dtype="string"),
    pd.Series(["a", None, "b", "a"], dtype="string").astype(str),
    pd.Series(["a", None, "b", "a"], dtype=object)])
def test_one_of_is_isin_as_a_boolean_array(column):
    for wanted in (["a"], {"b", "a"}, ["a", None], [np.nan], [pd.NA, "b"], [1, "b"], []):
        np.testing.assert_array_equal(one_of(column, wanted),
                                      column.isin(list(wanted)).to_numpy(dtype=bool))


def test_doctests():
    assert doctest.testmod(columns).failed == 0
