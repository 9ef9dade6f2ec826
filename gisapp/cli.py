"""The command line: new, import, demo, coverage, report, info and open; a progress bar on
stderr, no window.

Exit codes: 0 done, 2 bad input (the message names file, row and problem), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from gisapp import __version__
from gisapp.errors import Cancelled, InputError, ProjectError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
_FIELD_OPTIONS = {  # CLI option -> our column, for --grids/--sources field mappings
    "code_field": "grid_code", "name_field": "name", "level_field": "level",
    "parent_field": "parent_code", "kind_field": "kind", "address_field": "office_address",
}
_TRACK_FIELD_OPTIONS = ("id_field", "time_field", "lon_field", "lat_field", "accuracy_field")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command in (None, "open"):
        from gisapp.ui.app import main as window_main  # imported late: the CLI needs no Qt
        return window_main([args.project] if getattr(args, "project", None) else [])
    try:
        return args.run(args)
    except InputError as error:
        print(f"gisapp: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ProjectError as error:
        print(f"gisapp: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `gisapp coverage ... | head`
        return EXIT_OK
    except (Cancelled, KeyboardInterrupt):
        print("gisapp: cancelled; nothing was changed", file=sys.stderr)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gisapp", description="Grid supervision GIS (网格化环境监管). Without a command, "
        "opens the window.")
    parser.add_argument("--version", action="version", version=f"gisapp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = commands.add_parser("new", help="create a project from a grid file")
    new.add_argument("project", help="the new PROJECT.gpkg")
    new.add_argument("--grids", required=True, metavar="FILE",
                     help="grid polygons: GeoPackage, Shapefile, GeoJSON or KML")
    new.add_argument("--name", help="project name (default: the file name)")
    _add_import_options(new, tracks=False)
    new.set_defaults(run=_run_new)

    imp = commands.add_parser("import", help="import a file into a project (all or nothing)")
    imp.add_argument("project", help="PROJECT.gpkg")
    what = imp.add_mutually_exclusive_group(required=True)
    for kind in ("grids", "sources", "inspectors", "assignments", "tracks"):
        what.add_argument(f"--{kind}", metavar="FILE")
    _add_import_options(imp, tracks=True)
    imp.set_defaults(run=_run_import)

    demo = commands.add_parser("demo", help="write the synthetic demo district")
    demo.add_argument("--out", required=True, metavar="DIR")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", choices=("demo", "month"), default="demo",
                      help="demo: 60 inspectors; month: 200 inspectors, ~12.7 million fixes")
    demo.add_argument("--month", default="2026-10", help="YYYY-MM of the tracks")
    demo.set_defaults(run=_run_demo)

    _add_coverage_commands(commands)
    _add_report_command(commands)

    info = commands.add_parser("info", help="print what a project holds")
    info.add_argument("project")
    info.set_defaults(run=_run_info)

    opener = commands.add_parser("open", help="open a project in the window")
    opener.add_argument("project", nargs="?")
    return parser


def _add_coverage_commands(commands) -> None:
    coverage = commands.add_parser("coverage", help="patrol coverage per inspector and grid")
    coverage.add_argument("project")
    _add_period_options(coverage, quarter=False)
    coverage.add_argument("--inspector", action="append", metavar="ID",
                          help="only this inspector (repeatable)")
    coverage.add_argument("--grid", action="append", metavar="CODE",
                          help="only the inspectors of this grid (repeatable)")
    coverage.add_argument("--out", metavar="DIR", help="write inspector_summary.csv, "
                          "grid_summary.csv, visits.csv, flags.csv (and missed, daily)")
    coverage.set_defaults(run=_run_coverage)

    score = commands.add_parser("score", help="monthly scores, quarterly ranking, annual review")
    score.add_argument("project")
    _add_period_options(score, quarter=True)
    score.add_argument("--rules", help="rule set: ziyang_2020, jizhou_2018 or a TOML file "
                       "(default: the project's)")
    score.add_argument("--sheet", action="append", metavar="FILE",
                       help="the bureau's filled sheet of a month (repeatable)")
    score.add_argument("--template", metavar="FILE.xlsx",
                       help="write the sheet template of --month to fill, and stop")
    score.add_argument("--out", metavar="DIR", help="write the score tables (XLSX and CSV)")
    score.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    score.set_defaults(run=_run_score)

    bulletin = commands.add_parser("bulletin", help="the monthly bulletin (通报), XLSX and CSV")
    bulletin.add_argument("project")
    bulletin.add_argument("--month", required=True, metavar="YYYY-MM")
    bulletin.add_argument("--rules", help="rule set (default: the project's)")
    bulletin.add_argument("--sheet", metavar="FILE", help="the bureau's filled sheet")
    bulletin.add_argument("--xlsx", metavar="FILE")
    bulletin.add_argument("--csv", metavar="FILE")
    bulletin.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    bulletin.set_defaults(run=_run_bulletin)

    grids = commands.add_parser("grids", help="grid division tools")
    grid_commands = grids.add_subparsers(dest="grids_command", metavar="ACTION", required=True)
    check = grid_commands.add_parser("check", help="gaps, overlaps, codes, key sources; "
                                     "exits 2 when the division is invalid")
    check.add_argument("project")
    check.set_defaults(run=_run_grids_check)
    summary = grid_commands.add_parser("summary", help="the grid division summary table "
                                       "(网格划分汇总表) as XLSX or CSV")
    summary.add_argument("project")
    summary.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.csv")
    summary.add_argument("--date", help="the division as it stood on this date")
    summary.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    summary.set_defaults(run=_run_grids_summary)

    history = commands.add_parser("history", help="every edit of a grid, or what changed "
                                  "between two dates")
    history.add_argument("project")
    history.add_argument("--grid", metavar="CODE")
    history.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                         help="with --to: the edits after this day ...")
    history.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                         help="... up to the end of this day")
    history.set_defaults(run=_run_history)

    who = commands.add_parser("who", help="who was responsible for a grid or a point on a date")
    who.add_argument("project")
    who.add_argument("--grid", metavar="CODE")
    who.add_argument("--lon", type=float)
    who.add_argument("--lat", type=float)
    who.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    who.set_defaults(run=_run_who)

    config = commands.add_parser("config", help="show or set the project's definitions")
    config.add_argument("project")
    config.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="e.g. visit_radius_m=60, cleaning.max_speed_mps=30, "
                        "rule_set=jizhou_2018")
    config.set_defaults(run=_run_config)


def _add_report_command(commands) -> None:
    report = commands.add_parser(
        "report", help="the month's report for the meeting: PDF (and atlas), offline HTML "
        "map, XLSX workbook, PNG map")
    report.add_argument("project")
    report.add_argument("--month", required=True, metavar="YYYY-MM")
    report.add_argument("--pdf", metavar="OUT.pdf", help="cover, district map, bulletin, "
                        "chart per street, missed sources")
    report.add_argument("--atlas", type=int, choices=(1, 2, 3, 4), metavar="LEVEL",
                        help="add one PDF page per grid of this level, with contents")
    report.add_argument("--paper", choices=("A4", "A3"), default="A4")
    report.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    report.add_argument("--colour-by", choices=("swept", "visited"), default="swept",
                        help="colour grids by the share of their area swept (default) or of "
                        "their sources visited")
    report.add_argument("--html", metavar="OUT.html", help="interactive map that works offline")
    report.add_argument("--tiles", metavar="MBTILES|DIR",
                        help="basemap for the HTML map from an MBTiles file or a z/x/y tile "
                        "folder (copied beside the HTML); default: no basemap")
    report.add_argument("--xlsx", metavar="OUT.xlsx", help="bulletin, ranking, coverage per "
                        "street and grid, division summary, missed sources")
    report.add_argument("--png", metavar="OUT.png", help="the district map as an image")
    report.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    report.add_argument("--language", choices=("zh_CN", "en"), default="zh_CN")
    report.add_argument("--rules", help="rule set (default: the project's)")
    report.add_argument("--sheet", metavar="FILE", help="the bureau's filled sheet of the month")
    report.set_defaults(run=_run_report)


def _run_report(args) -> int:
    from gisapp.project import Project
    if not (args.pdf or args.html or args.xlsx or args.png):
        raise InputError(None, "name at least one output: --pdf, --html, --xlsx or --png")
    if not 72 <= args.dpi <= 1200:
        raise InputError(None, f"--dpi {args.dpi}: between 72 and 1200")
    from gisapp.i18n import language, set_language
    from gisapp.layers.exports import ReportRequest, export_report  # Qt: imported late
    from gisapp.layers.page import ReportOptions
    project = Project.open(args.project)
    request = ReportRequest(
        month=args.month, pdf=args.pdf, html=args.html, xlsx=args.xlsx, png=args.png,
        options=ReportOptions(args.paper, args.orientation, args.atlas, args.colour_by),
        language=args.language, dpi=args.dpi, tiles=args.tiles, rules=args.rules,
        sheet=args.sheet)
    bar = _progress_bar("report")
    previous = language()
    set_language(args.language)  # the scale bar's units speak the report's language
    try:
        result = export_report(project, request, progress=bar)
    finally:
        set_language(previous)
        bar.close()
    for path in result.written:
        detail = f" ({result.pages} pages)" if path.suffix.lower() == ".pdf" else ""
        print(f"wrote {path}{detail}")
    for note in result.data.notes:
        print(f"  note: {note}")
    return EXIT_OK


def _add_period_options(parser, quarter: bool) -> None:
    period = parser.add_mutually_exclusive_group(required=not quarter)
    period.add_argument("--month", metavar="YYYY-MM")
    if quarter:
        period.add_argument("--quarter", metavar="YYYYQn")
        period.add_argument("--year", type=int)
    else:
        period.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                            help="last day included")


def _add_import_options(parser, tracks: bool) -> None:
    parser.add_argument("--crs", choices=("wgs84", "cgcs2000", "gcj02", "bd09"),
                        help="datum of the file's coordinates (asked when they look offset)")
    parser.add_argument("--accept-rejects", metavar="REPORT.csv",
                        help="import the good rows and write the rejected ones here")
    parser.add_argument("--layer", help="layer of a multi-layer GeoPackage or KML")
    parser.add_argument("--encoding", help="text encoding of a Shapefile without .cpg")
    for option in _FIELD_OPTIONS:
        parser.add_argument("--" + option.replace("_", "-"), dest=option, metavar="F")
    parser.add_argument("--default-level", type=int, choices=(1, 2, 3, 4),
                        help="level of every grid when the file has no level field")
    if tracks:
        for option in _TRACK_FIELD_OPTIONS:
            parser.add_argument("--" + option.replace("_", "-"), dest=option, metavar="F")
        parser.add_argument("--inspector", help="inspector id for a GPX/KML track of one person")
        parser.add_argument("--timezone", default="Asia/Shanghai",
                            help="time zone of times written without one")


def _progress_bar(description: str):
    from tqdm import tqdm
    bar = tqdm(total=1, desc=description, unit="", file=sys.stderr, leave=False,
               disable=not sys.stderr.isatty())

    def update(done: int, total: int, text: str = "") -> None:
        bar.total = max(total, 1)
        bar.n = done
        if text:
            bar.set_postfix_str(text, refresh=False)
        bar.refresh()
    update.close = bar.close  # type: ignore[attr-defined]
    return update


def _options_for(kind: str, args) -> tuple[dict | None, dict]:
    if kind in ("grids", "sources"):
        mapping = {column: getattr(args, option) for option, column in _FIELD_OPTIONS.items()
                   if getattr(args, option, None)}
        if kind == "sources" and getattr(args, "code_field", None):
            mapping = {"source_id": mapping.pop("grid_code"), **mapping}
        options = {k: getattr(args, k) for k in ("layer", "encoding") if getattr(args, k, None)}
        if kind == "grids" and args.default_level:
            options["default_level"] = args.default_level
        return mapping or None, options
    if kind == "tracks":
        options = {k: getattr(args, k) for k in _TRACK_FIELD_OPTIONS if getattr(args, k, None)}
        if args.inspector:
            options["inspector_id"] = args.inspector
        options["timezone"] = args.timezone
        return None, options
    return None, {}


def _run_new(args) -> int:
    from gisapp.importer import import_file
    from gisapp.project import Project
    project = Project.create(args.project, name=args.name)
    mapping, options = _options_for("grids", args)
    result = import_file(project, "grids", args.grids, crs=args.crs,
                         accept_rejects=args.accept_rejects, mapping=mapping, options=options,
                         progress=_progress_bar("new"))
    _print_result(result)
    print(f"created {project.path}")
    return EXIT_OK


def _run_import(args) -> int:
    from gisapp.importer import KINDS, import_file
    from gisapp.project import Project
    kind = next(k for k in KINDS if getattr(args, k))
    project = Project.open(args.project)
    mapping, options = _options_for(kind, args)
    bar = _progress_bar(f"import {kind}")
    try:
        result = import_file(project, kind, getattr(args, kind), crs=args.crs,
                             accept_rejects=args.accept_rejects, mapping=mapping,
                             options=options, progress=bar)
    finally:
        bar.close()
    _print_result(result)
    return EXIT_OK


def _print_result(result) -> None:
    line = f"{result.kind}: {result.rows_kept} imported from {result.file}"
    if result.rows_rejected:
        line += f"; {result.rows_rejected} rejected, listed in {result.rejects_path}"
    print(line)
    for note in result.notes:
        print(f"  note: {note}")
    for warning in result.warnings:
        print(f"  warning: {warning}", file=sys.stderr)


def _run_demo(args) -> int:
    from gisapp.demo import build_demo
    from gisapp.project import Project
    out = Path(args.out)
    path = out / "demo_district.gpkg"
    _clear_previous_demo(path)
    bar = _progress_bar("demo")
    try:
        demo = build_demo(seed=args.seed, scale=args.scale, month=args.month, progress=bar)
        project = Project.create(path, name=demo.name)
        project.meta.update({"demo_seed": str(args.seed), "demo_scale": args.scale})
        for table, frame in demo.tables().items():
            project.set_table(table, frame)
        _add_fixes_in_batches(project, demo.iter_fixes(progress=bar))
        project.save()
    finally:
        bar.close()
    (out / "demo_truth.json").write_text(json.dumps(demo.truth, ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    summary = project.summary()
    print(f"wrote {path}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return EXIT_OK


def _add_fixes_in_batches(project, chunks, batch_fixes: int = 4_000_000) -> None:
    """A few large partition files read faster than one small file per inspector."""
    from gisapp.fixes import Fixes
    pending, size = [], 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= batch_fixes:
            project.add_fixes(Fixes.concat(pending))
            pending, size = [], 0
    if pending:
        project.add_fixes(Fixes.concat(pending))


def _clear_previous_demo(path: Path) -> None:
    """Regenerating the demo replaces an earlier demo, never a user's project."""
    if not path.exists():
        return
    from gisapp.project import Project
    try:
        meta = Project.open(path).meta
    except ProjectError:
        meta = {}
    if "demo_seed" not in meta:
        raise ProjectError(f"{path}: exists and is not a demo project; choose another --out")
    path.unlink()
    shutil.rmtree(path.with_name(path.stem + ".tracks"), ignore_errors=True)


def _period(args):
    import datetime as dt
    from gisapp.scoring.periods import month_bounds
    if args.month:
        return month_bounds(args.month)
    try:
        start = dt.date.fromisoformat(args.date_from)
        last = dt.date.fromisoformat(args.date_to) if args.date_to else start
    except (TypeError, ValueError):
        raise InputError(None, "give --month YYYY-MM, or --from YYYY-MM-DD [--to YYYY-MM-DD]")
    if last < start:
        raise InputError(None, f"--to {last} is before --from {start}")
    return start, last + dt.timedelta(days=1)


def _coverage(project, start, end, label, **selection):
    from gisapp.coverage import compute_coverage
    from gisapp.parameters import coverage_params
    bar = _progress_bar(label)
    try:
        return compute_coverage(project, start, end, coverage_params(project.meta),
                                progress=bar, **selection)
    finally:
        bar.close()


def _run_coverage(args) -> int:
    import pandas as pd
    from gisapp.project import Project
    project = Project.open(args.project)
    start, end = _period(args)
    result = _coverage(project, start, end, "coverage", inspectors=args.inspector,
                       grid_codes=args.grid)
    shown = result.inspectors[["inspector_id", "name", "distance_km", "patrol_hours",
                               "active_days", "sources_required", "sources_visited",
                               "full_sweep", "swept_share", "flags"]].copy()
    shown["swept_share"] = (shown["swept_share"] * 100).round(1)
    shown[["distance_km", "patrol_hours"]] = shown[["distance_km", "patrol_hours"]].round(1)
    with pd.option_context("display.max_rows", None, "display.width", 160):
        print(shown.rename(columns={"swept_share": "swept_%"}).to_string(index=False))
    swept = int(result.inspectors["full_sweep"].fillna(False).astype(bool).sum())
    print(f"{start} – {end}: {len(result.inspectors)} inspectors, {swept} full sweeps, "
          f"{len(result.missed)} missed sources, {len(result.flags)} flags")
    for note in result.notes:
        print(f"  note: {note}")
    if args.out:
        _write_coverage_tables(Path(args.out), result)
        print(f"wrote the coverage tables to {args.out}")
    return EXIT_OK


def _write_coverage_tables(out: Path, result) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tables = {"inspector_summary": result.inspectors, "grid_summary": result.grids,
              "visits": result.visits[["inspector_id", "source_id", "first_visit",
                                       "last_visit", "dwell_s"]],
              "flags": result.flags, "missed": result.missed, "daily": result.daily}
    for name, table in tables.items():
        target = out / f"{name}.csv"
        temporary = target.with_name(f".{target.name}.tmp")
        table.to_csv(temporary, index=False, encoding="utf-8")
        temporary.replace(target)


def _scored_months(project, months, rules, sheets, language):
    """score_month of each month with fixes; months without any fix are skipped, said so."""
    import pandas as pd
    from gisapp.scoring import read_sheet, score_month
    from gisapp.scoring.new_sources import new_sources_missed
    from gisapp.scoring.periods import month_bounds
    by_month = {}
    for path in sheets or []:
        sheet = read_sheet(path, rules)
        stated = sheet["month"].dropna().unique()
        if len(stated) > 1:
            raise InputError(path, f"one sheet per month; this one has {', '.join(stated)}")
        month = stated[0] if len(stated) else (months[0] if len(months) == 1 else None)
        if month is None:
            raise InputError(path, "the sheet names no month; fill its month column")
        by_month[month] = sheet
    scored = []
    months_with_fixes = {p.month for p in project.partitions}
    for month in months:
        if month not in months_with_fixes:
            print(f"  note: {month} has no patrol tracks in the project; not scored",
                  file=sys.stderr)
            continue
        start, end = month_bounds(month)
        result = _coverage(project, start, end, f"coverage {month}")
        new_missed = new_sources_missed(project.history, result.missed, start, end)
        scored.append(score_month(result.inspectors, by_month.get(month), rules, month,
                                  result.flags, new_missed, language=language))
    if not scored:
        raise InputError(project.path, "no month of the period has patrol tracks")
    return pd.concat(scored, ignore_index=True)


def _run_score(args) -> int:
    import pandas as pd
    from gisapp.parameters import rule_set_name
    from gisapp.project import Project
    from gisapp.reports import (annual_table, monthly_scores_table, quarter_table,
                                write_table_xlsx)
    from gisapp.scoring import annual, load_rule_set, rank_quarter, write_template
    from gisapp.scoring.periods import quarter_months
    project = Project.open(args.project)
    rules = load_rule_set(args.rules or rule_set_name(project.meta))
    if args.template:
        if not args.month:
            raise InputError(None, "--template needs --month")
        write_template(args.template, project.inspectors, args.month, rules, args.language)
        print(f"wrote the sheet template {args.template}")
        return EXIT_OK
    if args.month:
        months = [args.month]
    elif args.quarter:
        months = quarter_months(args.quarter)
    else:
        months = [f"{args.year}-{m:02d}" for m in range(1, 13)]
    monthly = _scored_months(project, months, rules, args.sheet, args.language)
    tables = {"monthly_scores": monthly_scores_table(monthly, rules, args.language)}
    if args.quarter:
        quarterly = rank_quarter(monthly, rules, args.quarter, language=args.language)
        tables["quarterly_ranking"] = quarter_table(quarterly, args.language)
    if args.year:
        quarters = []
        for q in range(1, 5):
            months_q = set(quarter_months(f"{args.year}Q{q}"))
            part = monthly[monthly["month"].isin(months_q)]
            if len(part):
                quarters.append(rank_quarter(part, rules, f"{args.year}Q{q}",
                                             language=args.language))
        quarterly = pd.concat(quarters, ignore_index=True)
        tables["quarterly_ranking"] = quarter_table(quarterly, args.language)
        tables["annual_review"] = annual_table(annual(quarterly, rules, args.year,
                                                      language=args.language), args.language)
    final = list(tables.values())[-1]
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 40):
        print(final.to_string(index=False))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            write_table_xlsx(out / f"{name}.xlsx", table, sheet_name=name[:31],
                             grade_colours=rules.grade_colours())
            table.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
        print(f"wrote {', '.join(tables)} to {out}")
    return EXIT_OK


def _run_bulletin(args) -> int:
    from gisapp.parameters import rule_set_name
    from gisapp.project import Project
    from gisapp.reports import (bulletin_title, monthly_bulletin, write_bulletin_csv,
                                write_bulletin_xlsx)
    from gisapp.scoring import load_rule_set
    project = Project.open(args.project)
    rules = load_rule_set(args.rules or rule_set_name(project.meta))
    from gisapp.scoring.periods import month_bounds
    from gisapp.scoring.new_sources import new_sources_missed
    from gisapp.scoring import read_sheet, score_month
    start, end = month_bounds(args.month)
    result = _coverage(project, start, end, f"coverage {args.month}")
    sheet = read_sheet(args.sheet, rules) if args.sheet else None
    scores = score_month(result.inspectors, sheet, rules, args.month, result.flags,
                         new_sources_missed(project.history, result.missed, start, end),
                         language=args.language)
    table = monthly_bulletin(result.inspectors, scores, language=args.language)
    title = bulletin_title(args.month, language=args.language)
    if args.xlsx:
        write_bulletin_xlsx(args.xlsx, table, title, grade_colours=rules.grade_colours())
    if args.csv:
        write_bulletin_csv(args.csv, table)
    print(title)
    print(table.head(20).to_string(index=False, max_colwidth=30))
    written = [p for p in (args.xlsx, args.csv) if p]
    if written:
        print(f"wrote {', '.join(written)}")
    return EXIT_OK


def _run_grids_check(args) -> int:
    from gisapp.project import Project
    from gisapp.topology import check_division
    project = Project.open(args.project)
    report = check_division(project.grids, project.sources)
    for line in report.messages():
        print(line)
    levels = project.grids["level"].value_counts().sort_index()
    print(f"{len(project.grids)} grids (" + ", ".join(f"level {k}: {v}" for k, v in
                                                      levels.items()) + "): " +
          ("the division is valid" if report.ok else f"{len(report.problems)} problems"))
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def _run_grids_summary(args) -> int:
    from gisapp.project import Project
    from gisapp.reports.division import export_division
    project = Project.open(args.project)
    path = export_division(project, args.out, date=args.date, lang=args.language)
    print(f"wrote {path}")
    return EXIT_OK


def _run_history(args) -> int:
    import pandas as pd
    from gisapp.history import grid_history
    from gisapp.project import Project
    from gisapp.history import changes_between
    project = Project.open(args.project)
    if args.grid is None:
        if not (args.date_from and args.date_to):
            raise InputError(None, "give --grid CODE, or --from DATE --to DATE")
        try:
            rows = changes_between(project, args.date_from, args.date_to)
        except ValueError as error:
            raise InputError(None, str(error)) from None
        if rows.empty:
            print(f"no edits after {args.date_from} up to {args.date_to}")
            return EXIT_OK
    else:
        if args.grid not in set(project.grids["grid_code"].astype(str)) and not (
                project.history["feature_id"] == args.grid).any():
            raise InputError(args.project, f"no grid {args.grid} in the project or its history")
        rows = grid_history(project, args.grid, assignments=True)
        if rows.empty:
            print(f"grid {args.grid}: no recorded edits")
            return EXIT_OK
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(rows[["edit_id", "at", "user", "action", "table_name", "feature_id", "change",
                    "fields"]].to_string(index=False))
    return EXIT_OK


def _run_who(args) -> int:
    import pandas as pd
    from gisapp.history import who_was_responsible
    from gisapp.project import Project
    if args.grid is None and (args.lon is None or args.lat is None):
        raise InputError(None, "give --grid CODE, or --lon and --lat")
    project = Project.open(args.project)
    try:
        rows = who_was_responsible(project, args.date, grid_code=args.grid, lon=args.lon,
                                   lat=args.lat)
    except ValueError as error:
        raise InputError(args.project, str(error)) from None
    if rows.empty:
        print(f"no grid contains that place on {args.date}")
        return EXIT_BAD_INPUT
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(rows[["level", "grid_code", "grid_name", "role", "inspector_id", "person_name",
                    "valid_from", "valid_to"]].to_string(index=False))
    return EXIT_OK


def _run_config(args) -> int:
    from gisapp.parameters import describe, set_parameter
    from gisapp.project import Project
    project = Project.open(args.project)
    if args.set:
        for assignment in args.set:
            key, value = set_parameter(project.meta, assignment)
            print(f"set {key} = {value}")
        project.save()
    for key, value, default in describe(project.meta):
        mark = "" if value == default else f"   (default {default})"
        print(f"{key:<40} {value}{mark}")
    return EXIT_OK


def _run_info(args) -> int:
    from gisapp.project import Project
    project = Project.open(args.project)
    print(f"{project.meta.get('name')} ({project.path})")
    for key, value in project.summary().items():
        print(f"  {key}: {value}")
    for note in project.notes:
        print(f"  note: {note}")
    return EXIT_OK
