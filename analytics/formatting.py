"""How numbers are written on screen and in exports: one place, so cards, tables and
charts agree. Money in cards is compact (``70.0 M€``); tables keep thousands separators."""

from __future__ import annotations

import pandas as pd

THIN_SPACE = "\u202f"  # narrow no-break space, as French typography puts before € and %


def _missing(value: float | None) -> bool:
    """None, NaN and pandas' NA all mean 'no value' (shown as a dash, never as 0)."""
    return value is None or bool(pd.isna(value))


def eur(value: float | None, compact: bool = True) -> str:
    """70000000 -> '70.0 M€'; 1234567 -> '1,234,567 €' when not compact."""
    if _missing(value):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    if compact:
        for size, suffix in ((1e9, "bn€"), (1e6, "M€"), (1e3, "k€")):
            if abs(v) >= size:
                return f"{v / size:,.1f}{THIN_SPACE}{suffix}"
    return f"{v:,.0f}{THIN_SPACE}€"


def number(value: float | None, decimals: int = 0) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def pct(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    sign = "+" if signed else ""
    return f"{float(value) * 100:{sign},.{decimals}f}{THIN_SPACE}%"  # type: ignore[arg-type]


def by_unit(value: float | None, unit: str) -> str:
    """Format an indicator value according to its unit (see ``kpis.INDICATORS``)."""
    if unit == "EUR":
        return eur(value)
    if unit == "EUR per FTE":
        return eur(value, compact=False) + " / FTE" if not _missing(value) else "–"
    if unit == "share":
        return pct(value)
    if unit == "FTE":
        return number(value, 1)
    return number(value)
