"""Load and refresh survive any folder, any file and any kill (issue 19), on SQLite and PostgreSQL.

A folder holds what an attacker or an unlucky operator leaves there: a FIFO, a link to
/dev/zero, dangling links and link loops, names that are not UTF-8 or hold a newline, files
over --max-size, a NUL byte past the first KiBs, UTF-16, PDFs that inflate or draw without end,
an unreadable subfolder. Every command that reads them says one line per entry and goes on;
none hangs, runs out of memory, or takes what it cannot read for gone.
"""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import zlib
from contextlib import nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from test_refresh import lock_held_for, run_statuses, summaries, summary_bytes, title_of, write_summary

from tcps.cli import cli
from tcps.db import make_engine
from tcps.errors import DatabaseFailed, ParseError
from tcps.load import find_project_id, load_paths
from tcps.lock import writer_lock
from tcps.refresh import refresh as run_refresh
from tcps.sources import read_file

TCPS = [sys.executable, "-c", "from tcps.cli import main; main()"]
MiB = 1024 * 1024


def bomb(mebibytes: int, head: bytes = b"BT /F1 10 Tf 72 700 Td (x) Tj ET\n") -> bytes:
    """A zlib stream that inflates to ``head`` (a line of text) and ``mebibytes`` MiB of spaces,
    built in a moment: one MiB deflated once, its blocks repeated (a full flush makes them stand
    alone), and the checksum of the whole."""
    spaces = b" " * MiB
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = squeezer.compress(head) + squeezer.flush(zlib.Z_FULL_FLUSH)
    block = squeezer.compress(spaces) + squeezer.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(head)
    for _ in range(mebibytes):
        checksum = zlib.adler32(spaces, checksum)
    return b"\x78\xda" + first + block * mebibytes + squeezer.flush() + checksum.to_bytes(4, "big")


def one_page_pdf(stream: bytes, filters: bytes = b"/FlateDecode") -> bytes:
    """A one-page PDF whose page draws ``stream`` (encoded by ``filters``) in Helvetica."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Filter [%s] /Length %d >>\nstream\n%s\nendstream" % (filters, len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return pdf + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def packed_pdf(mebibytes: int) -> bytes:
    """A one-page PDF whose font (object 5) is packed in an object stream (object 6, PDF 1.5)
    that inflates to ``mebibytes`` MiB; the cross-reference table is a stream (object 7), as
    object streams require."""
    packed = bomb(mebibytes, b"5 0 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    direct = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
              2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                 b"/Resources << /Font << /F1 5 0 R >> >> >>",
              4: b"<< /Length 33 >>\nstream\nBT /F1 10 Tf 72 700 Td (x) Tj ET\nendstream",
              6: b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s"
                 b"\nendstream" % (len(packed), packed)}
    pdf = b"%PDF-1.5\n"
    entries = {0: b"\x00" + bytes(6), 5: b"\x02" + (6).to_bytes(4, "big") + bytes(2)}
    for number, body in direct.items():
        entries[number] = b"\x01" + len(pdf).to_bytes(4, "big") + bytes(2)
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    entries[7] = b"\x01" + xref.to_bytes(4, "big") + bytes(2)
    table = b"".join(entries[n] for n in range(8))
    return pdf + (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s"
                  b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref))


def xref_bomb_pdf(mebibytes: int) -> bytes:
    """A one-page PDF whose cross-reference stream (object 6) inflates to ``mebibytes`` MiB:
    pdfminer decodes it whole while it opens the document."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                  b"/Resources << /Font << /F1 5 0 R >> >> >>",
               4: b"<< /Length 33 >>\nstream\nBT /F1 10 Tf 72 700 Td (x) Tj ET\nendstream",
               5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    pdf, entries = b"%PDF-1.5\n", {0: b"\x00" + bytes(6)}
    for number, body in objects.items():
        entries[number] = b"\x01" + len(pdf).to_bytes(4, "big") + bytes(2)
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    entries[6] = b"\x01" + xref.to_bytes(4, "big") + bytes(2)
    table = bomb(mebibytes, b"".join(entries[n] for n in range(7)))
    return pdf + (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
                  b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
                  % (len(table), table, xref))


def hostile_folder(folder: Path) -> dict[str, str]:
    """Two good summaries (one in UTF-16) among every kind of bad entry; returns each bad
    entry's name as printed and stored, with the reason it fails."""
    summaries(folder, 1)
    (folder / "utf16.txt").write_bytes(summary_bytes(1).decode().encode("utf-16"))
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "big.txt").write_bytes(summary_bytes(2) + b" " * (5 * MiB))
    (folder / "nul.txt").write_bytes(summary_bytes(3) + b" " * 5000 + b"\x00")
    os.mkdir(os.fsencode(folder) + b"/caf\xe9")  # Latin-1, not UTF-8
    (Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9")) / "empty.txt").write_bytes(b"")
    (folder / "two\nlines.txt").write_bytes(b"")
    return {"big.txt": "larger than the limit of 5,242,880 bytes (--max-size)",
            "caf\\xe9/empty.txt": "empty file",
            "dangling.txt": "dangling symbolic link (what it points to does not exist)",
            "fifo.txt": "not a regular file (a FIFO): only regular files are read",
            "loop.txt": "symbolic link loop",
            "nul.txt": "binary file (NUL bytes)",
            "two\\nlines.txt": "empty file",
            "zero.txt": "not a regular file (a character device): only regular files are read"}


def errors_by_name(stderr: str, folder: Path) -> dict[str, str]:
    """The ``error: <file>: <reason>`` lines, by the file's name within ``folder``."""
    lines = stderr.splitlines()
    assert all(line.startswith(f"error: {folder}/") for line in lines), stderr
    return dict(line.removeprefix(f"error: {folder}/").split(": ", 1) for line in lines)


def tcps(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command in a process of its own (a hang fails the test instead of blocking it)."""
    return subprocess.run([*TCPS, *args], capture_output=True, text=True, timeout=timeout)


def test_parse_reads_only_regular_files_within_the_limit(tmp_path: Path) -> None:
    bad = hostile_folder(tmp_path)
    names = sorted(bad)
    result = tcps("parse", *(os.fsdecode(os.fsencode(tmp_path) + b"/" + os.fsencode(
        name.replace("\\xe9", "\udce9").replace("\\n", "\n"))) for name in names))
    assert result.returncode == 1
    assert errors_by_name(result.stderr, tmp_path) == bad


def test_a_file_larger_than_its_stat_says_is_read_whole_up_to_the_limit() -> None:
    """A file may grow between its stat and its read; procfs files say they hold 0 bytes."""
    whole = Path("/proc/version").read_bytes()
    assert os.stat("/proc/version").st_size == 0 and len(whole) > 20
    assert read_file("/proc/version") == whole
    with pytest.raises(ParseError, match="larger than the limit of 20 bytes"):
        read_file("/proc/version", max_size=20)


def test_refresh_and_load_report_every_bad_entry_once_and_load_the_rest(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    bad = hostile_folder(folder)
    result = tcps("refresh", str(folder), "--db", db_url)
    assert result.returncode == 1, result.stderr
    assert errors_by_name(result.stderr, folder) == bad
    assert f"{len(bad) + 2} seen, " in result.stdout
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert all(find_project_id(conn, title_of(n)) for n in (0, 1))
            assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 2
            logged = conn.execute(sa.text("SELECT path, message FROM load_errors")).all()
            assert dict(logged) == {f"{folder}/{name}": reason for name, reason in bad.items()}
        assert run_statuses(engine) == ["failed"]
    finally:
        engine.dispose()

    result = tcps("load", "--db", db_url, str(folder))
    assert result.returncode == 1
    assert errors_by_name(result.stderr, folder) == bad
    assert result.stdout.strip() == f"added 0, updated 0, unchanged 2, failed {len(bad)}"


def test_a_pdf_may_inflate_and_draw_only_so_much(tmp_path: Path) -> None:
    inflating = one_page_pdf(bomb(64))
    (tmp_path / "bomb.pdf").write_bytes(inflating)
    wrapped = base64.a85encode(bomb(64)) + b"~>"  # a filter before Flate hides nothing
    (tmp_path / "a85.pdf").write_bytes(one_page_pdf(wrapped, b"/ASCII85Decode /FlateDecode"))
    (tmp_path / "packed.pdf").write_bytes(packed_pdf(64))  # object streams are counted too
    drawing = zlib.compress(b"BT /F1 1 Tf 72 700 Td (" + b"ab " * 50_000 + b") Tj ET")
    (tmp_path / "glyphs.pdf").write_bytes(one_page_pdf(drawing))
    result = tcps("parse", "--max-size", "2M", *(str(tmp_path / name) for name in
                                                  ("a85.pdf", "bomb.pdf", "packed.pdf", "glyphs.pdf")))
    assert len(inflating) < 100_000 and result.returncode == 1
    assert errors_by_name(result.stderr, tmp_path) == {
        "a85.pdf": "PDF: its streams inflated larger than the limit of 2,097,152 bytes (--max-size)",
        "bomb.pdf": "PDF: its streams inflated larger than the limit of 2,097,152 bytes (--max-size)",
        "packed.pdf": "PDF: its streams inflated larger than the limit of 2,097,152 bytes (--max-size)",
        "glyphs.pdf": "PDF: its text (over 131,072 characters at 16 bytes each) larger than the limit "
                      "of 2,097,152 bytes (--max-size)"}


def test_peak_memory_stays_small_whatever_the_input(tmp_path: Path) -> None:
    """A link to /dev/zero, a PDF of 1 MiB inflating to 1 GiB, one whose cross-reference stream
    inflates to 1 GiB, a 50 MiB text file."""
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "bomb.pdf").write_bytes(one_page_pdf(bomb(1024)))
    (tmp_path / "xref.pdf").write_bytes(xref_bomb_pdf(1024))
    with (tmp_path / "big.txt").open("wb") as big:
        for _ in range(50):
            big.write(summary_bytes(0).ljust(MiB, b"\n"))
    script = ("import atexit, resource, sys\n"
              "atexit.register(lambda: print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
              " file=sys.stderr))\n"
              "from tcps.cli import main; main()\n")
    files = [str(tmp_path / name) for name in ("zero.txt", "bomb.pdf", "xref.pdf", "big.txt")]
    result = subprocess.run([sys.executable, "-c", script, "parse", *files],
                            capture_output=True, text=True, timeout=120)
    *errors, peak = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in errors] == [
        "not a regular file (a character device)", "PDF", "PDF",
        "larger than the limit of 5,242,880 bytes (--max-size)"]
    assert int(peak.split()[1]) < 300 * 1024, peak  # KiB


def test_an_unreadable_folder_is_an_error_and_prunes_nothing(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    summaries(folder / "a", 2)
    (folder / "b").mkdir()
    write_summary(folder / "b", 2)
    assert CliRunner().invoke(cli, ["refresh", str(folder), "--db", db_url]).exit_code == 0
    (folder / "a").chmod(0)
    try:
        # Root reads any folder: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH it is held
        # to the permission bits like anyone else.
        drop = (["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
                if os.geteuid() == 0 else [])
        result = subprocess.run([*drop, *TCPS, "refresh", "--prune", "--json", str(folder), "--db", db_url],
                                capture_output=True, text=True, timeout=120)
        loaded = subprocess.run([*drop, *TCPS, "load", str(folder), "--db", db_url],
                                capture_output=True, text=True, timeout=120)
    finally:
        (folder / "a").chmod(0o755)
    assert result.returncode == 1
    assert result.stderr == f"error: {folder}/a: cannot read folder: Permission denied\n"
    assert '"removed": []' in result.stdout and '"pruned": []' in result.stdout
    assert loaded.returncode == 1 and loaded.stderr == result.stderr
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar_one() == 3
            assert conn.execute(sa.text("SELECT count(*) FROM watched_files")).scalar_one() == 3
    finally:
        engine.dispose()


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Running, or at least not yet a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_killing_a_load_kills_its_workers(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 200)
    load = subprocess.Popen([*TCPS, "load", "--jobs", "2", "--db", db_url, str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(workers := children_of(load.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2
    assert load.poll() is None and all(map(alive, workers))  # killed mid-load
    load.send_signal(signal.SIGKILL)
    load.wait()
    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, workers))
    # Nothing of the dead load holds the lock, or a session (and its transaction) on the server.
    engine = sa.create_engine(db_url)
    try:
        with writer_lock(engine, wait=5):
            pass
        with engine.connect() as conn:  # (the lock's own session idles in its transaction)
            if engine.dialect.name == "postgresql":
                assert conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "AND state <> 'idle'")).scalar_one() == 0
    finally:
        engine.dispose()


def test_ctrl_c_on_a_load_prints_one_line_not_its_workers_tracebacks(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 200)
    load = subprocess.Popen([*TCPS, "load", "--jobs", "2", "--db", f"sqlite:///{tmp_path / 't.db'}",
                             str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(workers := children_of(load.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2 and load.poll() is None
    os.killpg(load.pid, signal.SIGINT)  # what Ctrl-C does: the terminal signals the whole group
    _, err = load.communicate(timeout=30)
    assert load.returncode == 1 and err.split() == ["Aborted!"], err
    assert not any(map(alive, workers))


def test_load_takes_the_writer_lock(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 2)
    engine = sa.create_engine(db_url)
    try:
        with writer_lock(engine):
            result = CliRunner().invoke(cli, ["load", str(folder), "--db", db_url])
            assert result.exit_code == 75 and result.stdout == ""
            assert result.stderr.startswith("warning: skipped: another load or refresh holds ")
        with engine.connect() as conn:  # nothing written (the holder brought the schema to head)
            assert conn.execute(sa.text("SELECT count(*) FROM projects")).scalar() == 0

        with lock_held_for(engine, 0.5):
            result = CliRunner().invoke(cli, ["load", str(folder), "--db", db_url, "--wait", "10"])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "added 2, updated 0, unchanged 0, failed 0"
    finally:
        engine.dispose()


def test_two_loads_at_once_fail_no_file(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    summaries(folder, 10)
    loads = [subprocess.Popen([*TCPS, "load", "--wait", "60", "--db", db_url, str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = sorted(load.communicate(timeout=120) for load in loads)
    assert [load.returncode for load in loads] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["added 0, updated 0, unchanged 10, failed 0",
                                                   "added 10, updated 0, unchanged 0, failed 0"]
    assert [err for _, err in outputs] == ["", ""]


def test_a_full_disk_stops_refresh_and_load_in_one_line(tmp_path: Path) -> None:
    """SQLite's max_page_count stands in for a full disk: the database cannot grow."""
    folder = tmp_path / "data"
    summaries(folder, 40)
    url = f"sqlite:///{tmp_path / 'tcps.db'}"
    assert CliRunner().invoke(cli, ["db", "upgrade", "--db", url]).exit_code == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() + 30

    @sa.event.listens_for(engine, "connect")
    def small_disk(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()  # connections made from now on have the small disk
    try:
        with pytest.raises(DatabaseFailed) as stopped:
            run_refresh(engine, folder)
        assert str(stopped.value) == "refresh stopped, the database failed: database or disk is full"
        assert stopped.value.exit_status == 2
        assert run_statuses(engine) == ["failed"]
        (tmp_path / "more").mkdir()
        for number in range(40, 50):  # summaries of projects not loaded yet
            write_summary(tmp_path / "more", number)
        with pytest.raises(DatabaseFailed) as stopped:
            load_paths(engine, [tmp_path / "more"], jobs=1)
        assert str(stopped.value) == "load stopped, the database failed: database or disk is full"
    finally:
        engine.dispose()


def test_postgresql_going_away_stops_the_refresh_in_one_line(postgres_url: str, tmp_path: Path) -> None:
    """The server ends the refresh's sessions after its first summary, as a restart does."""
    folder = tmp_path / "data"
    summaries(folder, 3)
    engine = make_engine(postgres_url)

    def terminate_after_first(files):
        for number, stat in enumerate(files):
            if number == 1:
                with sa.create_engine(postgres_url, poolclass=sa.NullPool).connect() as other:
                    other.execute(sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            yield stat

    try:
        with pytest.raises(DatabaseFailed) as stopped:
            run_refresh(engine, folder, progress=lambda files: nullcontext(terminate_after_first(files)))
        assert str(stopped.value).startswith("refresh stopped, the database failed: ")
        assert "\n" not in str(stopped.value)
        assert run_statuses(engine) == ["failed"]
    finally:
        engine.dispose()


def test_a_url_with_a_bad_port_is_a_configuration_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://tcps:secret@localhost:notaport/tcps"
    for command in (["load", str(tmp_path)], ["refresh", str(tmp_path)], ["sql", "SELECT 1"]):
        result = CliRunner().invoke(cli, [*command, "--db", url])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
        assert "secret" not in result.stderr

