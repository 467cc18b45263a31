"""Keep the message catalogue in step with the code: ``make messages``.

Extracts every text marked with ``_()``, ``N_()`` or ``_l()`` from the code into
``locale/messages.pot`` and merges it into each language's ``messages.po`` (new texts come
in untranslated, texts gone from the code are dropped). Translate the empty ``msgstr``
entries with any PO editor (Poedit, Weblate) or a text editor; the test suite fails while
one is missing. ``--check`` only reports, for CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
SOURCES = ("analytics", "app_pages", "dashboard.py", "ui.py")
KEYWORDS = {"_": None, "N_": None, "_l": None}


def extract() -> Catalog:
    """Every marked text of the code, with where it is used."""
    catalog = Catalog(project="cluster-indicators", msgid_bugs_address="", charset="utf-8")
    keywords = {k: DEFAULT_KEYWORDS.get(k) for k in KEYWORDS}
    for source in SOURCES:
        path = ROOT / source
        if path.is_dir():
            found = extract_from_dir(path, method_map=[("**.py", "python")], keywords=keywords,
                                     comment_tags=("TRANSLATORS:",), strip_comment_tags=True)
            for filename, lineno, message, comments, context in found:
                catalog.add(message, None, [(f"{source}/{filename}", lineno)],
                            auto_comments=comments, context=context)
        else:
            from babel.messages.extract import extract_from_file

            for lineno, message, comments, context in extract_from_file(
                    "python", path, keywords=keywords, comment_tags=("TRANSLATORS:",)):
                catalog.add(message, None, [(source, lineno)], auto_comments=comments,
                            context=context)
    return catalog


def read(lang: str) -> Catalog:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Catalog(locale=lang, project="cluster-indicators")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """Untranslated or fuzzy texts, and translations of texts the code no longer has."""
    wanted = {m.id for m in template if m.id}
    out = [f"untranslated: {m.id!r}" for m in catalog if m.id and (not m.string or m.fuzzy)]
    out += [f"missing from catalogue: {i!r}" for i in sorted(wanted - {m.id for m in catalog})]
    out += [f"unused: {m.id!r}" for m in catalog if m.id and m.id not in wanted]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only, change nothing")
    args = parser.parse_args(argv)
    template = extract()
    status = 0
    for folder in sorted(p for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir()):
        catalog = read(folder.name)
        if not args.check:
            catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            with (folder / "LC_MESSAGES" / "messages.po").open("wb") as fh:
                write_po(fh, catalog, width=100, sort_output=False, include_previous=False)
        found = problems(template, catalog)
        for line in found:
            print(f"{folder.name}: {line}", file=sys.stderr)
        status |= bool(found)
    if not args.check:
        with (LOCALE_DIR / "messages.pot").open("wb") as fh:
            write_po(fh, template, width=100)
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
