"""Assessment (考核): rule sets as TOML data, the manual sheet, monthly scores, the quarterly
ranking and the annual roll-up. Qt-free.

    rules = load_rule_set("ziyang_2020")                       # or a path to a bureau's TOML
    write_template("sheet_2026-10.xlsx", inspectors, "2026-10", rules)
    sheet = read_sheet("sheet_2026-10.xlsx", rules)             # InputError names file/row
    monthly = score_month(coverage.inspectors, sheet, rules, "2026-10", coverage.flags)
    quarterly = rank_quarter(monthly_of_three_months, rules, "2026Q3")
    yearly = annual(quarterly_of_the_year, rules, 2026)
"""

from gisapp.scoring.manual_sheet import read_sheet, write_template
from gisapp.scoring.periods import month_bounds, parse_month, parse_quarter, quarter_months
from gisapp.scoring.rules import RuleSet, available_rule_sets, load_rule_set
from gisapp.scoring.score import annual, rank_quarter, score_month

__all__ = ["RuleSet", "annual", "available_rule_sets", "load_rule_set", "month_bounds",
           "parse_month", "parse_quarter", "quarter_months", "rank_quarter", "read_sheet",
           "score_month", "write_template"]
