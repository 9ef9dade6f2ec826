"""Where the changes between two dates lie: a changed grid by its new boundary, a deleted one by
the boundary its history record kept, an assignment nowhere (it has no geometry)."""

from __future__ import annotations

import doctest

import numpy as np

from gisapp import history
from gisapp.history import changed_bounds, changes_between
from gisapp.inspectors import assign
from tests.core.test_history import edited_project
from tests.core.test_history_district import C1, C2, P, clock, km_box


def test_a_changed_grid_lies_where_the_edit_left_it_and_a_deleted_one_where_it_was():
    project = edited_project()
    may = changes_between(project, "2026-05-01", "2026-05-31")
    assert list(zip(may["feature_id"], may["change"])) == [
        (C1, "changed"), (C2, "deleted"), (P, "changed")]
    bounds = changed_bounds(may)
    assert C2 not in set(project.grids["grid_code"])
    np.testing.assert_allclose(bounds[0], km_box(0, 0, 1, 1).bounds, atol=1e-9)  # merged C1
    np.testing.assert_allclose(bounds[1], km_box(0.6, 0, 1, 1).bounds, atol=1e-9)  # C2 before
    assert bounds.shape == (3, 4)


def test_an_assignment_has_no_place_and_an_empty_list_no_rows():
    project = edited_project()
    with clock("2026-06-01T09:00:00+08:00"):
        assign(project, C1, "inspector", "W3", "2026-06-01")
    june = changes_between(project, "2026-05-31", "2026-06-30")
    assert list(june["table_name"]) == ["assignments"]
    assert np.isnan(changed_bounds(june)).all()
    assert changed_bounds(changes_between(project, "2026-07-01", "2026-07-01")).shape == (0, 4)


def test_doctests():
    assert doctest.testmod(history).failed == 0
