"""The filter state as one value object, free of any UI framework.

The dashboard reads it from the URL, the command line from its options; the engine only
ever sees a ``Filters``. Values reach SQL as bound parameters (see ``kpis.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .i18n import N_, Message, _l, translator
from .schema import VOCABULARY_OF_DIMENSION, normalise_value, vocabulary

DIMENSION_FIELDS = {"member_type": "member_types", "sector": "sectors", "area": "areas"}
#: The filters' names, as in the sidebar.
FILTER_NAMES = {"member_type": N_("Member types"), "sector": N_("Sectors"), "area": N_("Areas")}
#: How members are classified over the years (Filters.classification), as filter lines say it.
CLASSIFICATIONS = {"current": N_("current classification"),
                   "reported": N_("classification as reported each year")}


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    member_types: tuple[str, ...] = field(default=())
    sectors: tuple[str, ...] = field(default=())
    areas: tuple[str, ...] = field(default=())
    estimated: bool = False  # fill non-responses with the member's last reported values
    #: 'current': a member's latest type, sector and area for all its years (the default);
    #: 'reported': each year's own classification (see kpis._classified)
    classification: str = "current"

    def selected(self, dimension: str) -> tuple[str, ...]:
        return getattr(self, DIMENSION_FIELDS[dimension])

    def is_default(self) -> bool:
        return self == Filters()

    def describe(self, lang: str = "en", always_classification: bool = False) -> str:
        """'Member types: SME, Research lab · 2009–2015', for captions and exported files
        (which name the classification even when it is the default one)."""
        _ = translator(lang)
        parts = [_("{filter}: {values}").format(
                     filter=_(FILTER_NAMES[dim]),
                     values=", ".join(vocabulary(VOCABULARY_OF_DIMENSION[dim]).label(c, lang)
                                      for c in self.selected(dim)))
                 for dim in DIMENSION_FIELDS if self.selected(dim)]
        years = [f"{self.year_from or '…'}–{self.year_to or '…'}"] if self.year_from or self.year_to else []
        estimated = [_("non-responses estimated")] if self.estimated else []
        classified = [_(CLASSIFICATIONS[self.classification])] if always_classification or \
            self.classification != "current" else []
        head = (parts or [_("All members")]) + years + estimated if parts or years or estimated \
            else [_("All members, all years")]
        return " · ".join(head + classified)

    @classmethod
    def build(cls, year_from: int | None = None, year_to: int | None = None,
              member_types: Iterable[str] = (), sectors: Iterable[str] = (),
              areas: Iterable[str] = (), estimated: bool = False,
              classification: str = "current") -> tuple[Filters, list[Message]]:
        """Filters from user input; unknown values are dropped with a notice, never an error."""
        notices: list[Message] = []
        chosen: dict[str, tuple[str, ...]] = {}
        for dim, values in (("member_type", member_types), ("sector", sectors), ("area", areas)):
            lookup = vocabulary(VOCABULARY_OF_DIMENSION[dim]).lookup()
            kept: list[str] = []
            for value in values:
                code = lookup.get(normalise_value(value))
                if code is None:
                    notices.append(_l("Ignored unknown value '{value}' for {filter}.",
                                      value=value, filter=_l(FILTER_NAMES[dim])))
                elif code not in kept:
                    kept.append(code)
            chosen[DIMENSION_FIELDS[dim]] = tuple(kept)
        if year_from is not None and year_to is not None and year_from > year_to:
            notices.append(_l("Years {first}–{last} are reversed; swapped them.",
                              first=year_from, last=year_to))
            year_from, year_to = year_to, year_from
        if classification not in CLASSIFICATIONS:
            notices.append(_l("Ignored '{param}': use current or reported.",
                              param=f"classification={classification}"))
            classification = "current"
        return cls(year_from, year_to, **chosen, estimated=estimated,
                   classification=classification), notices

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]]) -> tuple[Filters, list[Message]]:
        """From URL-style parameters: from, to, member_type, sector, area (repeatable),
        view, classification."""
        def many(key: str) -> list[str]:
            value = params.get(key, [])
            return [value] if isinstance(value, str) else list(value)

        notices: list[Message] = []
        years: dict[str, int | None] = {}
        for key in ("from", "to"):
            raw = many(key)
            years[key] = None
            if raw:
                try:
                    years[key] = int(raw[-1])
                except ValueError:
                    notices.append(_l("Ignored '{param}': not a year.", param=f"{key}={raw[-1]}"))
        view = (many("view") or ["reported"])[-1]
        if view not in ("reported", "estimated"):
            notices.append(_l("Ignored '{param}': use reported or estimated.",
                              param=f"view={view}"))
        if (many("estimated") or ["false"])[-1].lower() in ("true", "1", "yes"):
            view = "estimated"
        filters, more = cls.build(years["from"], years["to"], many("member_type"),
                                  many("sector"), many("area"), estimated=view == "estimated",
                                  classification="reported" if (many("as_reported") or [""])[-1]
                                  .lower() in ("true", "1", "yes")
                                  else (many("classification") or ["current"])[-1])
        return filters, notices + more
