"""Per-project definitions: coverage parameters and the scoring rule set, kept in the project.

Stored as JSON in ``project.meta`` (``coverage_params`` holds only what differs from the
defaults; ``rule_set`` names a preset or a TOML path), so every user of the project gets the
same definitions and a default changed in a later release reaches projects that never set it.
"""

from __future__ import annotations

import dataclasses
import json

from gisapp.coverage import CoverageParams
from gisapp.errors import InputError

COVERAGE_KEY = "coverage_params"
RULE_SET_KEY = "rule_set"
DEFAULT_RULE_SET = "ziyang_2020"


def coverage_params(meta: dict) -> CoverageParams:
    """The project's CoverageParams: the defaults with the project's overrides applied."""
    overrides = json.loads(meta.get(COVERAGE_KEY) or "{}")
    params = CoverageParams()
    for key, value in overrides.items():
        params = _replace(params, key, value)
    return params


def set_parameter(meta: dict, assignment: str) -> tuple[str, object]:
    """Apply ``"key=value"`` (nested keys with a dot: ``cleaning.max_speed_mps=30``)."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(None, f"expected key=value, got {assignment!r}")
    if key == RULE_SET_KEY:
        meta[RULE_SET_KEY] = text.strip()
        return key, text.strip()
    default = _get(CoverageParams(), key)
    value = _parse(key, text.strip(), type(default))
    overrides = json.loads(meta.get(COVERAGE_KEY) or "{}")
    if value == default:
        overrides.pop(key, None)
    else:
        overrides[key] = value
    meta[COVERAGE_KEY] = json.dumps(overrides, sort_keys=True)
    return key, value


def describe(meta: dict) -> list[tuple[str, object, object]]:
    """(key, value in this project, default) for every parameter, nested ones dotted."""
    current, default = coverage_params(meta), CoverageParams()
    rows = [(RULE_SET_KEY, meta.get(RULE_SET_KEY) or DEFAULT_RULE_SET, DEFAULT_RULE_SET)]
    for key in _keys(default):
        rows.append((key, _get(current, key), _get(default, key)))
    return rows


def rule_set_name(meta: dict) -> str:
    return meta.get(RULE_SET_KEY) or DEFAULT_RULE_SET


def _keys(params, prefix="") -> list[str]:
    keys = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if dataclasses.is_dataclass(value):
            keys += _keys(value, f"{prefix}{f.name}.")
        else:
            keys.append(prefix + f.name)
    return keys


def _get(params, key: str):
    value = params
    for part in key.split("."):
        if not dataclasses.is_dataclass(value) or part not in {
                f.name for f in dataclasses.fields(value)}:
            raise InputError(None, f"unknown parameter {key!r}; known: "
                             f"{', '.join(_keys(CoverageParams()))}")
        value = getattr(value, part)
    if dataclasses.is_dataclass(value):
        raise InputError(None, f"{key!r} is a group; set one of its fields, e.g. {key}.…")
    return value


def _replace(params, key: str, value):
    head, _, rest = key.partition(".")
    if rest:
        return dataclasses.replace(params, **{head: _replace(getattr(params, head), rest, value)})
    return dataclasses.replace(params, **{head: value})


def _parse(key: str, text: str, kind: type):
    try:
        if kind is bool:
            lowered = text.lower()
            if lowered not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError
            return lowered in ("true", "yes", "1")
        value = kind(text)
    except ValueError:
        raise InputError(None, f"{key} must be a {kind.__name__}, got {text!r}") from None
    if isinstance(value, (int, float)) and value < 0:
        raise InputError(None, f"{key} cannot be negative, got {text!r}")
    return value
