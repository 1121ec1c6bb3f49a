"""Run expectation suites with Great Expectations 1.x. The only module that imports GX (it takes seconds)."""

import copy
import logging
import os

import pandas as pd

from pipeline.check.frames import LOCATORS
from pipeline.errors import InputError
from pipeline.suites import by_frame

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network here; never phone home
MAX_ROWS = 50  # offending rows kept per expectation


# A process that validates again (the review workbench rebuilds in-process) runs a suite on a frame again only when
# the frame, the expectations or the parameters changed: a verdict changes the duplicate tables, not the questions.
_MEMO: dict[str, list[dict]] = {}
MEMO_SIZE = 256
_GX: dict = {}  # one ephemeral context per process, made on first use


def _fingerprint(suite: dict, frame_name: str, expectations, frame: pd.DataFrame, parameters: dict) -> str | None:
    """Return what one validation's outcome depends on, hashed; None when a cell cannot be hashed (never memoised)."""
    import hashlib
    import json

    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
        described = json.dumps([suite["name"], frame_name, repr(expectations), list(map(str, frame.dtypes)), list(frame.columns),
                                parameters, suite.get("meta", {})], sort_keys=True, default=str)  # fmt: skip
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(described.encode() + rows).hexdigest()


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if not _GX:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _GX.update(context=context, source=context.data_sources.add_pandas("warehouse"), runs=0)
    _GX["runs"] += 1
    return _GX["context"], _GX["source"], _GX["runs"]


def validate(suites: list[dict], frames: dict[str, pd.DataFrame], parameters: dict) -> list[dict]:
    """Return one outcome per expectation (see `_outcome`). No Data Docs: reports/quality.html is ours (check/page.py)."""
    import great_expectations as gx

    outcomes = []
    for suite in suites:
        for frame_name, expectations in by_frame(suite).items():
            if frame_name not in frames:
                raise InputError(f"suite {suite['name']} names frame {frame_name!r}; known frames: {', '.join(sorted(frames))}")
            frame = frames[frame_name].reset_index(drop=True)
            key = _fingerprint(suite, frame_name, expectations, frame, parameters)
            if key in _MEMO:
                outcomes += copy.deepcopy(_MEMO[key])
                continue
            context, source, run = _context()
            name = suite["name"] if frame_name == suite["name"] else f"{suite['name']}.{frame_name}"
            name = name if run == 1 else f"{name}#{run}"  # a second validation in this process: names stay unique
            given = copy.deepcopy(expectations)  # GX adds ids to what it is given: the suite (and the memo key) stay as read
            gx_suite = context.suites.add(
                gx.ExpectationSuite(name=name, expectations=given, meta=copy.deepcopy(suite.get("meta", {})))
            )
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
            definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=gx_suite))
            locators = [c for c in LOCATORS.get(frame_name, ["source_line"]) if c in frame.columns]
            result = definition.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=parameters,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": locators},
            )
            found = [_outcome(suite["name"], frame_name, frame, locators, r) for r in result.results]
            if key is not None:
                if len(_MEMO) >= MEMO_SIZE:
                    _MEMO.clear()
                _MEMO[key] = copy.deepcopy(found)
            outcomes += found
    return outcomes


def _outcome(suite_name: str, frame_name: str, frame: pd.DataFrame, locators: list[str], result) -> dict:
    """Return what a person and a script need of one expectation's result."""
    config = result.expectation_config
    details = result.result or {}
    offending = details.get("unexpected_index_list") or []
    if not result.success and not offending and "value" in (config.kwargs or {}):
        offending = frame[locators].to_dict("records")  # a table-level expectation: its rows are the offence
    return {
        "suite": suite_name,
        "frame": frame_name,
        "check": config.meta["check"],
        "severity": config.meta["severity"],
        "why": config.meta.get("why", ""),
        "expectation": config.type,
        "kwargs": {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")},
        "success": bool(result.success),
        "exception": (result.exception_info or {}).get("exception_message") if not result.success else None,
        "unexpected_count": details.get("unexpected_count", len(offending)),
        "observed_value": details.get("observed_value"),
        "offending": [{k: _plain(row.get(k)) for k in locators} for row in offending[:MAX_ROWS]],
    }


def _plain(value):
    """Return `value` as a JSON-ready Python value (numpy scalars and NA become int/float/None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
