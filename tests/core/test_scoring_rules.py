"""Rule sets as TOML: the presets read as the seeds say, and a malformed file is refused with
the file, the key and the problem."""

from __future__ import annotations

import pytest

from gisapp import i18n
from gisapp.errors import InputError
from gisapp.scoring import available_rule_sets, load_rule_set
from gisapp.scoring.rules import RULES_DIR


@pytest.fixture(autouse=True)
def english_application(monkeypatch):
    monkeypatch.setattr(i18n, "_translation", None)
    monkeypatch.setattr(i18n, "_language", None)
    i18n.set_language("en")


def test_the_ziyang_preset_says_what_article_18_says():
    rules = load_rule_set("ziyang_2020")
    assert [(p.id, p.points, p.source, p.method) for p in rules.parts] == [
        ("attendance_patrol", 30, "gps", None), ("information_upload", 30, "sheet", "score"),
        ("assisting", 20, "sheet", "score"), ("public_awareness", 20, "sheet", "awareness")]
    patrol = rules.parts[0]
    assert [(r.kind, r.points, r.lose_part) for r in patrol.rules] == [
        ("full_sweep", 10, False), ("new_sources_missed", 2, False),
        ("major_accident", 0, True)]
    awareness = rules.parts[3].awareness
    assert (awareness.step_percent, awareness.points_per_step,
            awareness.fail_below_percent) == (10, 2, 60)
    assert [(g.label, g.min_points) for g in rules.grades] == [
        ("优秀", 95), ("合格", 80), ("基本合格", 70), ("不合格", 0)]
    assert (rules.quarter.cap_grade, rules.quarter.cap_share) == ("excellent", 0.3)
    assert dict(rules.quarter.pay) == {"excellent": 1.2, "qualified": 1.0,
                                       "basically_qualified": 1.0, "unqualified": 0.0}
    assert dict(rules.year.pay) == {"excellent": 1.2, "qualified": 1.0,
                                    "basically_qualified": 0.8, "unqualified": 0.0}
    assert rules.year.unqualified_quarters_fail_year == 2
    assert rules.year.appointment_ends_grade == "unqualified"
    assert rules.inspector_kinds == ("dedicated",)
    assert [f.id for f in rules.sheet_fields()] == [
        "information_upload", "assisting", "public_awareness_asked", "public_awareness_knew",
        "major_accident"]


def test_the_jizhou_preset_has_three_grades_and_the_false_report_veto():
    rules = load_rule_set("jizhou_2018")
    assert [g.label for g in rules.grades] == ["优秀", "合格", "不合格"]
    flags = next(r for p in rules.parts for r in p.rules if r.kind == "review_flags")
    assert flags.veto and set(flags.flag_kinds) == {"stationary_day", "copied_day",
                                                    "short_visits"}
    assert rules.quarter.veto_months_fail_quarter and rules.quarter.cap_grade is None
    assert rules.year.unqualified_quarters_fail_year == 2
    assert rules.year.requires_no_unqualified_quarter == ("excellent",)
    assert sum(p.points for p in rules.parts) == 100


def test_presets_are_found_by_name_and_by_path():
    assert {"ziyang_2020", "jizhou_2018"} <= set(available_rule_sets())
    assert load_rule_set(RULES_DIR / "jizhou_2018.toml").id == "jizhou_2018"
    with pytest.raises(InputError, match="no rule set named 'nowhere_2030'.*ziyang_2020"):
        load_rule_set("nowhere_2030")


def edited(tmp_path, old: str, new: str, count: int = 1):
    """The Ziyang preset with one edit, as a bureau's own file."""
    text = (RULES_DIR / "ziyang_2020.toml").read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path = tmp_path / "ours.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, key, problem", [
    # a missing key: the second part without its points
    ('label_en = "Information upload"\npoints = 30\n', 'label_en = "Information upload"\n',
     "parts[2].points", "missing"),
    # grade thresholds that do not descend
    ("min_points = 80", "min_points = 96", "grades[2].min_points",
     "grade thresholds must descend: 96 is not below 95"),
    # an unknown source kind
    ('points = 30\nsource = "gps"', 'points = 30\nsource = "manual"', "parts[1].source",
     "unknown source kind 'manual'; allowed: gps, sheet"),
    # a misspelt key
    ("veto_months_fail_quarter = false", "veto_month_fail_quarter = false",
     "quarter.veto_month_fail_quarter", "unknown key; allowed here: cap_grade, cap_share, pay, "
     "veto_months_fail_quarter"),
    # a misspelt key that is required
    ("points_per_step = 2", "point_per_step = 2", "parts[4].points_per_step",
     "missing (the table has point_per_step: misspelt?)"),
    # a wrong type
    ("cap_share = 0.30", 'cap_share = "30%"', "quarter.cap_share", "expected a number"),
    # a value out of range
    ("cap_share = 0.30", "cap_share = 1.5", "quarter.cap_share", "out of range"),
    # an unknown rule kind
    ('  kind = "full_sweep"\n  points = 10', '  kind = "full_swep"\n  points = 10',
     "parts[1].rules[1].kind",
     "unknown rule kind 'full_swep'"),
    # a pay multiplier for a grade that does not exist
    ("  excellent = 1.2\n  qualified = 1.0\n  basically_qualified = 1.0",
     "  excelent = 1.2\n  qualified = 1.0\n  basically_qualified = 1.0", "quarter.pay.excelent",
     "'excelent' is not a grade id"),
    # the lowest grade must catch every total
    ("min_points = 0", "min_points = 10", "grades[4].min_points", "start at 0"),
    # parts that do not add up to the total
    ("points = 20\nsource = \"sheet\"\nmethod = \"score\"",
     "points = 25\nsource = \"sheet\"\nmethod = \"score\"", "total_points",
     "the parts add up to 105 points, not 100"),
    # an inspector kind the schema does not know
    ('inspector_kinds = ["dedicated"]', 'inspector_kinds = ["full-time"]',
     "inspector_kinds[1]", "unknown inspector kind 'full-time'"),
])
def test_a_malformed_rule_set_names_the_file_the_key_and_the_problem(tmp_path, old, new, key,
                                                                      problem):
    path = edited(tmp_path, old, new)
    with pytest.raises(InputError) as error:
        load_rule_set(path)
    assert error.value.file == str(path)
    assert error.value.problem.startswith(f"key {key}: ")
    assert problem in error.value.problem


def test_an_unknown_flag_kind_is_refused(tmp_path):
    text = (RULES_DIR / "jizhou_2018.toml").read_text(encoding="utf-8")
    path = tmp_path / "ours.toml"
    path.write_text(text.replace('"copied_day"', '"cloned_day"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"key parts\[1\]\.rules\[3\]\.flag_kinds\[2\]: "
                                         r"unknown flag kind 'cloned_day'"):
        load_rule_set(path)


def test_broken_toml_is_refused_with_the_parser_s_position(tmp_path):
    path = edited(tmp_path, "total_points = 100", "total_points = ")
    with pytest.raises(InputError, match=r"not valid TOML: .*\(at line 15") as error:
        load_rule_set(path)
    assert error.value.file == str(path)


def test_a_rule_without_effect_is_refused(tmp_path):
    path = edited(tmp_path, "  kind = \"full_sweep\"\n  points = 10\n", "  kind = \"full_sweep\"\n")
    with pytest.raises(InputError, match=r"key parts\[1\]\.rules\[1\]\.kind: the rule has no "
                                         r"effect"):
        load_rule_set(path)


def test_errors_speak_the_application_s_language(tmp_path):
    path = edited(tmp_path, "min_points = 80", "min_points = 96")
    i18n.set_language("zh_CN")
    with pytest.raises(InputError) as error:
        load_rule_set(path)
    assert error.value.problem == \
        "键 grades[2].min_points：等次分数线须从高到低：96 不低于上一等次的 95"
