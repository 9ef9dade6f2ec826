"""The command line: new, import, demo, info and open; a progress bar on stderr, no window.

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

    info = commands.add_parser("info", help="print what a project holds")
    info.add_argument("project")
    info.set_defaults(run=_run_info)

    opener = commands.add_parser("open", help="open a project in the window")
    opener.add_argument("project", nargs="?")
    return parser


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


def _run_info(args) -> int:
    from gisapp.project import Project
    project = Project.open(args.project)
    print(f"{project.meta.get('name')} ({project.path})")
    for key, value in project.summary().items():
        print(f"  {key}: {value}")
    for note in project.notes:
        print(f"  note: {note}")
    return EXIT_OK
