"""How numbers, money, percentages and dates are written, in English or French: one place,
so cards, tables, charts and exports agree. Babel applies each language's rules (CLDR):
French ``70,0 M€``, ``1 234 567 €`` (narrow no-break spaces between thousands), ``12,5 %``,
``26/11/2026``; English ``€70.0m``, ``€1,234,567``, ``12.5%``, ``26 Nov 2026``.

Babel has no compact money format with one decimal in the style of the financial press
(``€70.0m``), so compact money is Babel's decimal number plus the suffix of the language.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from .i18n import DEFAULT, LOCALES, normalise, translator

MISSING = "–"
#: (size, English prefix/suffix, French suffix) for compact money.
_COMPACT = ((1e9, "bn", "\u00a0Md€"), (1e6, "m", "\u00a0M€"), (1e3, "k", "\u00a0k€"))


def _missing(value: float | None) -> bool:
    """None, NaN and pandas' NA all mean 'no value' (shown as a dash, never as 0)."""
    return value is None or bool(pd.isna(value))


def _locale(lang: str) -> str:
    return LOCALES[normalise(lang)]


def eur(value: float | None, compact: bool = True, lang: str = DEFAULT, decimals: int = 1) -> str:
    """70000000 -> '€70.0m' / '70,0 M€'; 1234567 -> '€1,234,567' / '1 234 567 €'."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    lang = normalise(lang)
    if compact:
        for size, en, fr in _COMPACT:
            if abs(v) >= size:
                pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
                digits = format_decimal(abs(v) / size, format=pattern, locale=_locale(lang))
                sign = "-" if v < 0 else ""
                return f"{sign}€{digits}{en}" if lang == "en" else f"{sign}{digits}{fr}"
    return format_currency(v, "EUR", format="¤#,##0" if lang == "en" else "#,##0\u00a0¤",
                           locale=_locale(lang), currency_digits=False)


def number(value: float | None, decimals: int = 0, lang: str = DEFAULT) -> str:
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(value), format=pattern, locale=_locale(lang))  # type: ignore[arg-type]


def pct(value: float | None, decimals: int = 1, signed: bool = False, lang: str = DEFAULT) -> str:
    """0.125 -> '12.5%' / '12,5 %'; signed: '+12.5%'."""
    if _missing(value):
        return MISSING
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    pattern = body + ("%" if normalise(lang) == "en" else "\u00a0%")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_percent(float(value), format=pattern, locale=_locale(lang))  # type: ignore[arg-type]


def date(value: dt.date | dt.datetime | None, lang: str = DEFAULT) -> str:
    """'26 Nov 2026' / '26/11/2026'."""
    if value is None:
        return MISSING
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_date(day, "medium" if normalise(lang) == "en" else "short", locale=_locale(lang))


def date_time(value: dt.datetime | None, lang: str = DEFAULT) -> str:
    """'26 Nov 2026 10:56' / '26/11/2026 10:56' (as stored: UTC)."""
    if value is None or _missing(value):
        return MISSING
    return f"{date(value, lang)} {value:%H:%M}"


def _whole(value: float | None) -> bool:
    return not _missing(value) and float(value).is_integer()  # type: ignore[arg-type]


def by_unit(value: float | None, unit: str, lang: str = DEFAULT) -> str:
    """Format an indicator value according to its unit (see ``kpis.INDICATORS``)."""
    _ = translator(lang)
    if unit == "EUR":
        return eur(value, lang=lang)
    if unit == "EUR per FTE":
        return eur(value, compact=False, lang=lang) + _(" / FTE") if not _missing(value) else MISSING
    if unit == "share":
        return pct(value, lang=lang)
    if unit == "FTE":  # whole where whole ('700'), else to the tenth ('537.5')
        return number(value, 0 if _whole(value) else 1, lang=lang)
    return number(value, lang=lang)


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for charts in this language."""
    return ".," if normalise(lang) == "en" else ",\u202f"
