"""The worst files within the upload limits: how long a check takes, how much memory it
needs and how much it prints (issue 16: under 60 s, 1 GB and 64 KB of output on 2 cores).

Each case runs ``python -m analytics ingest`` in its own process on a fresh database, so the
peak memory (``ru_maxrss`` of the child) and the bytes written to the terminal are the
command line's own. The baseline, run side by side, is DuckDB reading the same file with
``read_csv`` (what the check cannot be faster than).

    .venv/bin/python benchmarks/bench_limits.py [--results benchmarks/results/limits.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "member_id,member_name,member_type,sector,area,year,turnover_eur,jobs\n"


def repeated_key(folder: Path) -> Path:
    """1 million rows, every one the same member and year."""
    path = folder / "repeated_key.csv"
    path.write_text(HEADER + "M01,A,sme,waste,87,2016,1000.5,1\n" * 1_000_000)
    return path


def wide(folder: Path) -> Path:
    """100,000 columns."""
    path = folder / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n")
    return path


def long_line(folder: Path) -> Path:
    """One line of 199 MB (under the 200 MB upload limit)."""
    path = folder / "long_line.csv"
    with path.open("w") as fh:
        fh.write(HEADER)
        fh.write("M01,")
        for _ in range(199):
            fh.write("x" * 1_000_000)
        fh.write(",sme,waste,87,2016,1,1\n")
    return path


def big_workbook(folder: Path) -> Path:
    """An .xlsx that unpacks to about 100 MB, every row with an error."""
    import openpyxl

    path = folder / "big.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER.strip().split(","))
    for i in range(600_000):
        sheet.append([f"M{i % 900:03d}", "Member", "sme", "waste", "87", 2016, "douze", 1])
    book.save(path)
    return path


def wide_row(folder: Path) -> Path:
    """The usual column names, then a row of 100,000 cells (issue 19: 24 s and 2.6 GB)."""
    path = folder / "wide_row.csv"
    path.write_text(HEADER + "1," * 99_999 + "1\n")
    return path


def zip_bomb(folder: Path, rows: int = 400_000) -> Path:
    """An .xlsx of under 1 MB that unpacks to about 490 MB (under the 500 MB limit) of
    empty cells (issue 19: 442 s to be told it has no data rows)."""
    import zipfile

    path = folder / "zip_bomb.xlsx"
    names = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER.strip().split(","))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>'
                     + names.encode() + b"</row>")
            row = b"<row>" + b"<c/>" * 300 + b"</row>"
            for _ in range(rows):
                fh.write(row)
            fh.write(b"</sheetData></worksheet>")
    return path


MAIN = "http://schemas.openxmlformats.org"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="' + MAIN + '/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + MAIN + '/package/2006/'
    'relationships"><Relationship Id="rId1" Type="' + MAIN + '/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + MAIN + '/spreadsheetml/2006/'
    'main" xmlns:r="' + MAIN + '/officeDocument/2006/relationships"><sheets><sheet '
    'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + MAIN + '/package/2006/'
    'relationships"><Relationship Id="rId1" Type="' + MAIN + '/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')

CASES = {"repeated_key": repeated_key, "wide": wide, "long_line": long_line,
         "big_workbook": big_workbook, "wide_row": wide_row, "zip_bomb": zip_bomb}


def make(name: str, folder: Path) -> Path:
    """Write a case's file from another process: a child's peak memory (ru_maxrss) counts
    what it inherited at fork, so this process stays small while it starts the checks."""
    done = subprocess.run([sys.executable, __file__, "--make", name, str(folder)],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())


def run(path: Path, db: Path) -> dict:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", str(path), "--db",
                                 str(db), "--lang", "en"], stdout=out, stderr=out, cwd=ROOT,
                                env={**os.environ, "CLUSTER_LANG": "en"})
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's peak memory
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    return {"seconds": round(seconds, 2), "exit": os.waitstatus_to_exitcode(status),
            "peak_mb": round(usage.ru_maxrss / 1024), "output_bytes": len(text),
            "output_lines": text.count(b"\n"), "last_line": text.decode().strip()[-160:]}


def baseline(path: Path) -> float | None:
    """DuckDB reading the file alone (CSV only), in a process of its own like the check."""
    if path.suffix != ".csv":
        return None
    code = ("import duckdb, sys, time; t = time.perf_counter(); "
            "duckdb.sql(f\"SELECT count(*) FROM read_csv('{sys.argv[1]}', all_varchar=true, "
            "max_line_size=300000000)\").fetchall(); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    return round(float(done.stdout), 2) if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results" / "limits.json"))
    parser.add_argument("--only", choices=tuple(CASES), action="append")
    parser.add_argument("--make", nargs=2, metavar=("CASE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:  # in a process of its own: see make()
        print(CASES[args.make[0]](Path(args.make[1])))
        return
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.only or CASES:
            path = make(name, folder)
            db = folder / f"{name}.duckdb"
            result = run(path, db)
            result["file_mb"] = round(path.stat().st_size / 1e6, 1)
            result["duckdb_read_s"] = baseline(path)
            out[name] = result
            print(name, result, flush=True)
            path.unlink()
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
