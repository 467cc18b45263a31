"""The load history written for people: column names and actions in their language."""

from __future__ import annotations

import pandas as pd

from . import formatting
from .i18n import DEFAULT, N_, translator
from .schema import STORED

HISTORY_TITLES = {
    "load_id": N_("Load"), "loaded_at": N_("When (UTC)"), "loaded_by": N_("By"), "action": N_("Action"),
    "kind": N_("File kind"), "file_name": N_("File"), "sha256": N_("Checksum (SHA-256)"),
    "rows_added": N_("Rows added"), "rows_replaced": N_("Rows replaced"), "undoes": N_("Undoes"),
    "undone_by": N_("Undone by"), "is_demo": N_("Demo data"),
}
ACTIONS = {"load": N_("load"), "undo": N_("undo")}
KINDS = {spec.name: spec.label for spec in STORED}  # 'member submissions', ...
KINDS["demo"] = N_("removal of the demo data")


def undo_description(frame: pd.DataFrame, load_id: int, lang: str = DEFAULT) -> str:
    """One line of ``Store.history()`` said for people: '12: figures_2016.csv (member
    submissions)', or for an undo '13: undo of 12 (figures_2016.csv); undoing it loads 12
    again'."""
    _ = translator(lang)
    rows = frame.set_index("load_id")
    row = rows.loc[load_id]
    if row["action"] == "undo":
        undone = int(row["undoes"])
        what = rows.loc[undone, "file_name"] if undone in rows.index else None
        return _("{load}: undo of {undone} ({what}); undoing it loads {undone} again").format(
            load=load_id, undone=undone, what=what or kind_name(row["kind"], lang))
    return f"{load_id}: {row['file_name'] or ''} ({kind_name(row['kind'], lang)})"


def history_table(frame: pd.DataFrame, lang: str = DEFAULT) -> pd.DataFrame:
    """``Store.history()`` with translated headers, actions and file kinds; an undo says
    what it undid in the File column (it has no file of its own)."""
    _ = translator(lang)
    out = frame.copy()
    if {"action", "undoes", "file_name"} <= set(out.columns):
        files = dict(zip(out["load_id"], out["file_name"], strict=True))
        out["file_name"] = [
            _("undo of {load} ({file})").format(load=int(u), file=files.get(u) or _(KINDS.get(k, k)))
            if a == "undo" else (f or "")
            for a, u, f, k in zip(out["action"], out["undoes"], out["file_name"], out["kind"],
                                  strict=True)]
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
