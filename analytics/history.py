"""The load history written for people: column names and actions in their language."""

from __future__ import annotations

import pandas as pd

from . import formatting
from .i18n import DEFAULT, N_, translator
from .schema import SETTINGS, SPECS

HISTORY_TITLES = {
    "load_id": N_("Load"), "loaded_at": N_("When (UTC)"), "loaded_by": N_("By"), "action": N_("Action"),
    "kind": N_("File kind"), "file_name": N_("File"), "sha256": N_("Checksum (SHA-256)"),
    "rows_added": N_("Rows added"), "rows_replaced": N_("Rows replaced"), "undoes": N_("Undoes"),
    "undone_by": N_("Undone by"), "is_demo": N_("Demo data"),
}
ACTIONS = {"load": N_("load"), "undo": N_("undo")}
KINDS = {spec.name: spec.label for spec in (*SPECS, SETTINGS)}  # 'member submissions', ...


def history_table(frame: pd.DataFrame, lang: str = DEFAULT) -> pd.DataFrame:
    """``Store.history()`` with translated headers, actions and file kinds."""
    _ = translator(lang)
    out = frame.copy()
    if "action" in out.columns:
        out["action"] = [_(ACTIONS.get(a, a)) for a in out["action"]]
    if "loaded_at" in out.columns:
        out["loaded_at"] = [formatting.date_time(t, lang) for t in out["loaded_at"]]
    if "kind" in out.columns:
        out["kind"] = [_(KINDS.get(k, k)) for k in out["kind"]]
    return out.rename(columns={k: _(v) for k, v in HISTORY_TITLES.items()})


def kind_name(kind: str, lang: str = DEFAULT) -> str:
    """'submissions' -> 'member submissions' / 'déclarations des membres'."""
    return translator(lang)(KINDS.get(kind, kind))
