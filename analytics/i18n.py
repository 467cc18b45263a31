"""Languages: the message catalogue and the choice of language, free of any UI framework.

Messages are written in English in the code, wrapped in ``_()`` (translated where they are
used), ``N_()`` (module-level constants, translated later with ``_()``) or ``_l()`` (a
message with parameters, rendered later in any language: check reports). The French texts
live in ``locale/fr/LC_MESSAGES/messages.po``, a standard gettext catalogue that
translators' tools (Poedit, Weblate) open; ``make messages`` re-extracts the English texts
from the code and merges them into it. Babel reads the catalogue and formats numbers and
dates (see ``formatting.py``).

Design note: the language is passed explicitly (``lang``) rather than kept in a global, so
one process can serve a French and an English user at the same time and cached results
are keyed by language.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGES = {"en": "English", "fr": "Français"}
DEFAULT = "en"
#: Babel locales: British English writes '26 Nov 2026' and '€70.0m'; French of France.
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def normalise(lang: str | None) -> str:
    """'fr-FR', 'fr_BE.UTF-8', 'FR' -> 'fr'; anything else -> the default language."""
    code = (lang or "").strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return code if code in LANGUAGES else DEFAULT


def from_environment() -> str:
    """The language of a command line: CLUSTER_LANG, else the system locale (LANG...)."""
    for var in ("CLUSTER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return normalise(value)
    return DEFAULT


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for one language (empty for English, the language of the code).
    Untranslated and fuzzy entries are left out, so they fall back to English."""
    if lang == DEFAULT:
        return {}
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=LOCALES[lang])
    return {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy
            and isinstance(m.id, str)}


def gettext(message: str, lang: str) -> str:
    return catalogue(normalise(lang)).get(message, message)


def translator(lang: str) -> Callable[[str], str]:
    """The ``_`` of a function that writes in ``lang``."""
    table = catalogue(normalise(lang))
    return lambda message: table.get(message, message)


def translated(texts: Mapping[str, str], lang: str) -> dict[str, str]:
    """A dict of ``N_`` texts (column titles...) in ``lang``, same keys."""
    table = catalogue(normalise(lang))
    return {key: table.get(text, text) for key, text in texts.items()}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a constant for the catalogue; translate it where it is shown, with ``_()``."""
    return message


@dataclass(frozen=True)
class Message:
    """A message with parameters, rendered in the reader's language when shown.
    Parameters that are themselves Messages are translated too, callables are called with
    the language (e.g. a list of allowed values); other values are inserted as they are."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: with ``count``: the text for any count but one (``plural``)
    other: str | None = None
    count: int | None = None

    def render(self, lang: str = DEFAULT) -> str:
        values = {k: v.render(lang) if isinstance(v, Message) else v(lang) if callable(v) else v
                  for k, v in self.params.items()}
        text = self.text if self.other is None else plural(self.count or 0, self.text,
                                                           self.other, lang)
        return gettext(text, lang).format(**values) if values else gettext(text, lang)

    def __str__(self) -> str:
        return self.render(DEFAULT)


def _l(message: str, **params: Any) -> Message:
    """A message rendered later, in whatever language the reader has chosen."""
    return Message(message, params)


def plural(count: float, one: str, other: str, lang: str) -> str:
    """Which of two texts (both marked with ``N_``) fits ``count`` in ``lang``: '1 row',
    '2 rows'; in French 0 and 1 take the singular ('0 ligne', '1 ligne', '2 lignes')."""
    single = count < 2 if normalise(lang) == "fr" else count == 1
    return one if single else other


def ngettext(count: float, one: str, other: str, lang: str) -> str:
    """``plural`` translated: the text to ``.format()`` for ``count`` in ``lang``."""
    return gettext(plural(count, one, other, lang), lang)


def _lp(count: int, one: str, other: str, /, **params: Any) -> Message:
    """``_l`` with a singular and a plural text, chosen by ``count`` in the reader's language.
    Mark both texts with ``N_`` where they are written (``count`` may also be a parameter)."""
    return Message(one, params, other=other, count=count)


def render(message: str | Message, lang: str) -> str:
    """Plain strings (e.g. already rendered) pass through; Messages are rendered."""
    return message.render(lang) if isinstance(message, Message) else gettext(message, lang)


def error_text(exc: BaseException, lang: str) -> str:
    """An exception's message in ``lang``: ours carry a Message, others say what they say."""
    arg = exc.args[0] if exc.args else None
    return arg.render(lang) if isinstance(arg, Message) else str(exc)
