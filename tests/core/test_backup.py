"""`salesop backup` and `salesop restore`: a company's database and uploaded files restored
into a fresh installation compare equal table by table and file by file, and the restored
site works (pages load, new records get new ids). An archive that is damaged or edited is
refused before anything is replaced, naming what is wrong, and the data in place stays."""

import fcntl
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.process

SALESOP = str(Path(sys.executable).with_name("salesop"))

SEED = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from salesop.core.testing import make_deal, make_lead, make_org
org = make_org()
make_lead(org.rep, company="上海远航物流有限公司", phone="13800138000")
deal = make_deal(org.rep, name="仓储系统升级 Warehouse upgrade")
default_storage.save("contracts/signed-copy.pdf", ContentFile(b"%PDF-1.4 signed"))
print(deal.pk)
"""

DIGESTS = """
import json
from salesop.core.backup import current_digests
print(json.dumps(current_digests()))
"""

SMOKE = """
from django.test import Client
from salesop.accounts.models import User
from salesop.core.testing import make_lead
client = Client(HTTP_HOST="localhost")
rep = User.objects.get(username="rep")
client.force_login(rep)
assert client.get("/deals/__DEAL__/").status_code == 200
assert client.get("/leads/?q=远航物流").content.decode().count("上海远航物流有限公司") >= 1
lead = make_lead(rep, company="恢复后新建 Created after restore")
print(lead.pk)
"""


def _env(data_dir: Path, database: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATA_DIR=str(data_dir),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_HTTPS="0",
        SALESOP_EMAIL_URL="dummy://",
        SALESOP_LANGUAGE="en",  # the messages the assertions read
    )
    if database:
        env["SALESOP_DATABASE_URL"] = database
    return env


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SALESOP, *args], env=env, capture_output=True, text=True, timeout=300)


def _shell(env: dict, code: str) -> str:
    done = _run(env, "manage", "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _round_trip(tmp_path: Path, source: dict, target: dict) -> None:
    assert _run(source, "migrate").returncode == 0
    deal = _shell(source, SEED)
    made = _run(source, "backup", "--out", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout
    (archive,) = (tmp_path / "backups").glob("salesop-backup-*.tar.gz")

    restored = _run(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "every checksum matches" in restored.stdout
    # Compared independently of the manifest: every table's rows and every uploaded file.
    assert json.loads(_shell(target, DIGESTS)) == json.loads(_shell(source, DIGESTS))
    copy = Path(target["SALESOP_DATA_DIR"]) / "media" / "contracts" / "signed-copy.pdf"
    assert copy.read_bytes() == b"%PDF-1.4 signed"
    # The restored site works (static files collected as `salesop serve` does), and a new
    # lead gets an id after the restored ones.
    assert _run(target, "manage", "collectstatic", "--noinput").returncode == 0
    new_id = int(_shell(target, SMOKE.replace("__DEAL__", deal)))
    assert new_id > 1

    # A second restore over the data is refused unless asked for, and nothing changes.
    again = _run(target, "restore", str(archive))
    assert again.returncode != 0 and "already has users" in again.stderr
    assert _run(target, "restore", str(archive), "--force").returncode == 0


def test_backup_restores_into_a_fresh_sqlite_installation(tmp_path):
    _round_trip(tmp_path, _env(tmp_path / "a"), _env(tmp_path / "b"))


def test_a_backup_onto_a_full_disk_says_so_and_leaves_no_archive(tmp_path):
    # A full disk left a truncated archive that looked like a backup (and a raw ENOSPC
    # traceback); each retry left another. The disk is "full" for the backup's process: no file
    # may grow past a limit the database copy and each uploaded file fit in, the archive not.
    import resource
    import signal

    env = _env(tmp_path / "data")
    assert _run(env, "migrate").returncode == 0
    _shell(env, SEED)
    media = tmp_path / "data" / "media" / "scans"
    media.mkdir(parents=True)
    for i in range(6):
        (media / f"scan-{i}.pdf").write_bytes(os.urandom(512 * 1024))  # does not compress
    database = (tmp_path / "data" / "salesop.sqlite3").stat().st_size
    limit = max(database, 512 * 1024) + 256 * 1024

    def full_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG

    out = tmp_path / "backups"
    for _ in range(2):
        done = subprocess.run(
            [SALESOP, "backup", "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=full_disk,  # a resource limit, set between fork and exec
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("salesop: The backup could not be written (File too large)")
        assert list(out.iterdir()) == []
    made = _run(env, "backup", "--out", str(out))  # room again: a whole archive
    assert made.returncode == 0 and len(list(out.glob("salesop-backup-*.tar.gz"))) == 1


def test_restore_refuses_a_linked_media_folder_before_anything_moves(tmp_path):
    # a media folder linked to another disk was replaced by a plain folder (the linked disk
    # left behind, new uploads on the data disk); a mount point gave a traceback
    env = _env(tmp_path / "data")
    assert _run(env, "migrate").returncode == 0
    _shell(env, SEED)
    assert _run(env, "backup", "--out", str(tmp_path / "backups")).returncode == 0
    (archive,) = (tmp_path / "backups").glob("salesop-backup-*.tar.gz")
    media, elsewhere = tmp_path / "data" / "media", tmp_path / "other-disk"
    media.rename(elsewhere)
    media.symlink_to(elsewhere)
    refused = _run(env, "restore", str(archive), "--force")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "link or a mount point" in refused.stderr
    assert media.is_symlink() and (elsewhere / "contracts" / "signed-copy.pdf").exists()
    assert not list((tmp_path / "data").glob(".salesop-restore-*"))


def test_restore_refuses_what_is_not_a_backup_and_says_why(tmp_path):
    env = _env(tmp_path / "c")
    assert _run(env, "migrate").returncode == 0
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    refused = _run(env, "restore", str(junk))
    assert refused.returncode != 0 and "is not a salesop backup" in refused.stderr
    # A backup of another engine is named as such.
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {"format": 1, "engine": "postgresql", "created_at": "", "tables": {}, "files": {}}
        )
    )
    other = tmp_path / "pg.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(manifest, arcname="manifest.json")
    refused = _run(env, "restore", str(other))
    assert refused.returncode != 0 and "postgresql" in refused.stderr


@pytest.mark.postgres
def test_backup_restores_into_a_fresh_postgresql_database(tmp_path):
    url = urlsplit(os.environ["SALESOP_DATABASE_URL"])
    names = [f"salesop_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    server = ["-h", url.hostname or "127.0.0.1", "-U", url.username or "postgres"]
    for name in names:
        subprocess.run(["createdb", *server, name], check=True)
    try:
        source, target = (
            _env(tmp_path / side, urlunsplit(url._replace(path=f"/{name}")))
            for side, name in zip("ab", names, strict=True)
        )
        _round_trip(tmp_path, source, target)
    finally:
        for name in names:
            subprocess.run(["dropdb", *server, "--if-exists", name], check=False)


# Attacks: each archive is a real backup of a seeded installation, changed the way a damaged
# disk or a hand with a text editor would change it, restored with --force over the very
# installation it came from. Each is refused, saying what is wrong (never a traceback), and
# that installation's rows and files are exactly as they were.


def _pg_url(url, name: str) -> str:
    return urlunsplit(url._replace(path=f"/{name}"))


def _pg_server(url) -> list[str]:
    return ["-h", url.hostname or "127.0.0.1", "-U", url.username or "postgres"]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def installation(request, tmp_path_factory):
    """A seeded installation and a backup of it: (env, archive, engine)."""
    root = tmp_path_factory.mktemp(f"attacked-{request.param}")
    name = ""
    if request.param == "postgresql":
        url = urlsplit(os.environ["SALESOP_DATABASE_URL"])
        name = f"salesop_attacked_{uuid.uuid4().hex[:8]}"
        subprocess.run(["createdb", *_pg_server(url), name], check=True)
        env = _env(root / "data", _pg_url(url, name))
    else:
        env = _env(root / "data")
    try:
        assert _run(env, "migrate").returncode == 0
        _shell(env, SEED)
        assert _run(env, "backup", "--out", str(root / "backups")).returncode == 0
        (archive,) = (root / "backups").glob("salesop-backup-*.tar.gz")
        yield env, archive, request.param
    finally:
        if name:
            subprocess.run(["dropdb", *_pg_server(url), "--if-exists", name], check=False)


def _state(env: dict) -> tuple[dict, dict]:
    """Every table's rows (read here, not by the code under test) and every uploaded file."""
    rows = {}
    url = env.get("SALESOP_DATABASE_URL")
    if url:
        import psycopg

        db = psycopg.connect(url)
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
    else:
        db = sqlite3.connect(Path(env["SALESOP_DATA_DIR"]) / "salesop.sqlite3")
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
            )
        ]
    try:
        for table in tables:
            result = db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()  # noqa: S608
            rows[table] = hashlib.sha256(repr(result).encode()).hexdigest()
    finally:
        db.close()
    media = Path(env["SALESOP_DATA_DIR"]) / "media"
    files = {
        p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()
    }
    return rows, files


def _unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(into, filter="data")
    return into


def _pack(folder: Path, out: Path) -> Path:
    with tarfile.open(out, "w:gz") as tar:
        for item in sorted(folder.iterdir()):
            tar.add(item, arcname=item.name)
    return out


def _edit_database(folder: Path, engine: str, sql: str) -> None:
    """Runs `sql` on the backup's database file, as someone who opened it would."""
    if engine == "sqlite":
        db = sqlite3.connect(folder / "database.sqlite3")
        db.executescript(sql)
        db.close()
        return
    url = urlsplit(os.environ["SALESOP_DATABASE_URL"])
    server, name = _pg_server(url), f"salesop_edit_{uuid.uuid4().hex[:8]}"
    dump = folder / "database.pgdump"
    subprocess.run(["createdb", *server, name], check=True)
    try:
        subprocess.run(["pg_restore", *server, "--no-owner", "-d", name, str(dump)], check=True)
        subprocess.run(["psql", *server, "-v", "ON_ERROR_STOP=1", "-c", sql, name], check=True)
        subprocess.run(["pg_dump", *server, "-Fc", "-f", str(dump), name], check=True)
    finally:
        subprocess.run(["dropdb", *server, "--if-exists", name], check=False)


def _manifest_only(folder: Path, engine: str) -> None:
    for item in folder.iterdir():
        shutil.rmtree(item) if item.is_dir() else item.unlink()
    manifest = {"format": 1, "engine": engine, "tables": {}, "files": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _superuser_rep(folder: Path, engine: str) -> None:
    sql = "UPDATE accounts_user SET is_superuser = true WHERE username = 'rep'"
    _edit_database(folder, engine, sql)


def _garbage_database(folder: Path, engine: str) -> None:
    (folder / ("database.sqlite3" if engine == "sqlite" else "database.pgdump")).write_bytes(
        b"\x00garbage, not a database\xff" * 200
    )


def _fewer_tables(folder: Path, engine: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["tables"]["deals_deal"]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _file_not_in_manifest(folder: Path, engine: str) -> None:
    (folder / "media" / "contracts" / "planted.html").write_text("<script>alert(1)</script>")


def _media_edited(folder: Path, engine: str) -> None:
    (folder / "media" / "contracts" / "signed-copy.pdf").write_bytes(b"%PDF-1.4 forged")


def _trigger_added(folder: Path, engine: str) -> None:
    # Rows untouched, so every checksum still matches: the next sign-in of anyone would
    # make them a superuser.
    if engine == "sqlite":
        sql = (
            "CREATE TRIGGER planted AFTER UPDATE OF last_login ON accounts_user BEGIN "
            "UPDATE accounts_user SET is_superuser = 1 WHERE id = new.id; END;"
        )
    else:
        sql = (
            "CREATE FUNCTION planted() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.is_superuser := true; RETURN NEW; END $$; "
            "CREATE TRIGGER planted BEFORE UPDATE ON accounts_user "
            "FOR EACH ROW EXECUTE FUNCTION planted();"
        )
    _edit_database(folder, engine, sql)


ATTACKS = {
    "manifest only": (_manifest_only, "is not a salesop backup"),
    "a user made superuser": (_superuser_rep, "accounts_user"),
    "garbage database": (_garbage_database, "{dump} in the backup is not"),
    "manifest naming fewer tables": (_fewer_tables, "deals_deal"),
    "a file not in the manifest": (_file_not_in_manifest, "media/contracts/planted.html"),
    "an uploaded file edited": (_media_edited, "media/contracts/signed-copy.pdf"),
    "a trigger added": (_trigger_added, "planted"),
}


def _refused(env: dict, archive: Path, expected: str) -> None:
    before = _state(env)
    done = _run(env, "restore", str(archive), "--force")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert expected in done.stderr, done.stderr
    assert "every checksum matches" not in done.stdout
    assert _state(env) == before


@pytest.mark.parametrize("attack", ATTACKS)
def test_restore_refuses_a_changed_backup_and_keeps_the_data(installation, tmp_path, attack):
    env, archive, engine = installation
    change, expected = ATTACKS[attack]
    folder = _unpack(archive, tmp_path / "unpacked")
    change(folder, engine)
    dump = "database.sqlite3" if engine == "sqlite" else "database.pgdump"
    _refused(env, _pack(folder, tmp_path / "changed.tar.gz"), expected.format(dump=dump))


def test_restore_refuses_a_truncated_archive(installation, tmp_path):
    env, archive, _engine = installation
    data = archive.read_bytes()
    cut = tmp_path / "truncated.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    _refused(env, cut, "is not a salesop backup")


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"x", **kind) -> None:
    info = tarfile.TarInfo(name)
    info.size = 0 if kind else len(data)
    for key, value in kind.items():
        setattr(info, key, value)
    tar.addfile(info, None if kind else io.BytesIO(data))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("../escaped.txt", {}),
        ("/tmp/salesop-escaped.txt", {}),  # noqa: S108
        ("media/contracts/signed-copy.pdf", {"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}),
        ("media/inside", {"type": tarfile.SYMTYPE, "linkname": "contracts/signed-copy.pdf"}),
        ("media/hard", {"type": tarfile.LNKTYPE, "linkname": "manifest.json"}),
        ("media/fifo", {"type": tarfile.FIFOTYPE}),
    ],
)
def test_restore_refuses_a_member_outside_the_backup(installation, tmp_path, name, kind):
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        for item in sorted(folder.iterdir()):
            if kind and item.name == "media":
                # the link stands in for the real file of the same name
                for path in sorted(item.rglob("*")):
                    arcname = path.relative_to(folder).as_posix()
                    if arcname != name:
                        tar.add(path, arcname=arcname, recursive=False)
            else:
                tar.add(item, arcname=item.name)
        _member(tar, name, **kind)
    _refused(env, hostile, name.lstrip("/"))


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_takes_a_sqlite_backup_of_another_page_size(installation, tmp_path):
    # A WAL database cannot change its page size, so SQLite refused to copy such a backup
    # over the live one (a traceback, after the uploaded files had been swapped).
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    db = sqlite3.connect(folder / "database.sqlite3")
    db.executescript("PRAGMA journal_mode = DELETE; PRAGMA page_size = 8192; VACUUM;")
    db.close()
    before = _state(env)
    done = _run(env, "restore", str(_pack(folder, tmp_path / "pages.tar.gz")), "--force")
    assert done.returncode == 0, done.stderr
    assert "every checksum matches" in done.stdout
    assert _state(env) == before


# Bombs: a few hundred bytes or a few MB of archive that would unpack to gigabytes. Each is
# refused at the header of the member that crosses a bound, before its data is read, in a
# process whose peak memory (os.wait4) stays near that of a plain restore.


# A small launcher measures the restore's peak memory: a process started from pytest itself
# would count pytest's pages (ru_maxrss keeps the peak from before exec).
MEASURED = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def _restore_measured(env: dict, archive: Path, *extra: str) -> tuple[int, str, float, int]:
    """Runs `salesop restore --force`; returns (exit code, stderr, seconds, peak RSS in MB)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, SALESOP, "restore", str(archive), "--force", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    stderr, _, peak = done.stderr.rstrip().rpartition("\n")
    return done.returncode, stderr, time.monotonic() - started, int(peak) // 1024


class _Zeros(io.RawIOBase):
    """`size` zero bytes, made as they are read: the test itself never holds them."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _with_members(folder: Path, out: Path, add) -> Path:
    """The real backup in `folder`, with `add(tar)` writing hostile members after it."""
    with tarfile.open(out, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
        for item in sorted(folder.iterdir()):
            tar.add(item, arcname=item.name)
        add(tar)
    return out


def _sparse(tar: tarfile.TarFile) -> None:
    # GNU sparse format 1.0 in a pax header: 512 bytes in the archive declaring 8 GB of holes
    info = tarfile.TarInfo("media/contracts/holes.bin")
    info.pax_headers = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": info.name,
        "GNU.sparse.realsize": str(8 << 30),
    }
    sparse_map = b"1\n0\n0\n".ljust(512, b"\0")
    info.size = len(sparse_map)
    tar.addfile(info, io.BytesIO(sparse_map))


def _zeros(name: str, size: int):
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        tar.addfile(info, io.BufferedReader(_Zeros(size), 1 << 20))

    return add


@pytest.fixture(scope="module")
def plain_restore_mb(installation) -> int:
    """Peak memory of restoring the untouched backup, the yardstick for the bombs."""
    env, archive, _engine = installation
    code, stderr, _seconds, peak = _restore_measured(env, archive)
    assert code == 0, stderr
    return peak


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_refuses_a_sparse_member_at_its_header(installation, plain_restore_mb, tmp_path):
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    bomb = _with_members(folder, tmp_path / "sparse.tar.gz", _sparse)
    assert bomb.stat().st_size < 100_000  # the seeded backup and 8 GB of holes
    before = _state(env)
    code, stderr, seconds, peak = _restore_measured(env, bomb)
    assert code != 0 and "Traceback" not in stderr, stderr
    assert "media/contracts/holes.bin is a sparse file (8,192.0 MB when unpacked)" in stderr
    assert peak < plain_restore_mb + 20, (peak, plain_restore_mb)
    assert seconds < 30
    assert _state(env) == before
    assert not list(Path(env["SALESOP_DATA_DIR"]).glob(".salesop-restore-*"))


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_stops_at_the_member_crossing_the_limit(installation, plain_restore_mb, tmp_path):
    # 512 MB of zeros in one member (512 KB of archive), against a 64 MB limit: refused at its
    # header; and four 20 MB members: refused at the one that takes the total past 64 MB, the
    # others unpacked before it, nothing after it.
    env = dict(installation[0], SALESOP_RESTORE_MAX_MB="64")
    archive = installation[1]
    folder = _unpack(archive, tmp_path / "unpacked")
    one = _with_members(folder, tmp_path / "one.tar.gz", _zeros("media/zeros.bin", 512 << 20))
    assert one.stat().st_size < 4 << 20

    def four(tar):
        for number in range(4):
            _zeros(f"media/zeros-{number}.bin", 20 << 20)(tar)

    many = _with_members(folder, tmp_path / "many.tar.gz", four)
    before = _state(env)
    code, stderr, seconds, peak = _restore_measured(env, one)
    assert code != 0 and "Traceback" not in stderr, stderr
    assert "media/zeros.bin (512.0 MB) takes it to" in stderr, stderr
    assert "more than the 64.0 MB restore limit (SALESOP_RESTORE_MAX_MB)" in stderr
    assert peak < plain_restore_mb + 20, (peak, plain_restore_mb)
    assert seconds < 30  # unpacking 512 MB of zeros alone takes seconds
    code, stderr, _seconds, peak = _restore_measured(env, many)
    assert code != 0 and "media/zeros-3.bin (20.0 MB) takes it to" in stderr, stderr
    assert peak < plain_restore_mb + 20, (peak, plain_restore_mb)
    assert _state(env) == before
    assert not list(Path(env["SALESOP_DATA_DIR"]).glob(".salesop-restore-*"))


def _long_name(tar: tarfile.TarFile) -> None:
    # A member whose name is 64 MB long: tarfile keeps it in a header of its own (a pax
    # extended header here, a GNU long-name header in GNU format) that it reads whole into
    # memory before the member itself is seen; zeros compress to 64 KB of archive.
    info = tarfile.TarInfo("media/" + "a" * (64 << 20))
    info.size = 1
    tar.addfile(info, io.BytesIO(b"x"))


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_refuses_a_long_name_header_before_reading_it(
    installation, plain_restore_mb, tmp_path
):
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    bomb = _with_members(folder, tmp_path / "long-name.tar.gz", _long_name)
    assert bomb.stat().st_size < 1 << 20
    before = _state(env)
    code, stderr, seconds, peak = _restore_measured(env, bomb)
    assert code != 0 and "Traceback" not in stderr, stderr[:2000]
    assert len(stderr) < 4000, f"{len(stderr):,} characters: {stderr[:300]}"
    assert peak < plain_restore_mb + 20, (peak, plain_restore_mb)
    assert seconds < 30
    assert _state(env) == before


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_refuses_an_oversized_manifest_before_parsing_it(installation, tmp_path):
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest) + " " * (33 << 20))
    before = _state(env)
    code, stderr, _seconds, _peak = _restore_measured(env, _pack(folder, tmp_path / "m.tar.gz"))
    assert code != 0 and "Traceback" not in stderr, stderr
    assert "its manifest.json is 33.0 MB; a manifest is at most 32.0 MB" in stderr, stderr
    assert _state(env) == before


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_of_a_large_file_hashes_it_in_chunks(installation, plain_restore_mb, tmp_path):
    # A 256 MB uploaded file within the limit restores; no step reads it whole into memory
    # (reading it whole, as hashing did, would add 256 MB to the peak).
    env, archive, _engine = installation
    folder = _unpack(archive, tmp_path / "unpacked")
    big = folder / "media" / "contracts" / "scan.bin"
    with big.open("wb") as fh:
        for _ in range(256):
            fh.write(bytes(1 << 20))
    manifest = json.loads((folder / "manifest.json").read_text())
    with big.open("rb") as fh:
        manifest["files"]["contracts/scan.bin"] = hashlib.file_digest(fh, "sha256").hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, stderr, _seconds, peak = _restore_measured(env, _pack(folder, tmp_path / "big.tar.gz"))
    assert code == 0, stderr
    assert peak < plain_restore_mb + 40, (peak, plain_restore_mb)
    scan = Path(env["SALESOP_DATA_DIR"]) / "media" / "contracts" / "scan.bin"
    assert scan.stat().st_size == 256 << 20
    # back as it was for the other tests of the module
    code, stderr, _seconds, _peak = _restore_measured(env, archive)
    assert code == 0, stderr
    assert not scan.exists()


# kill -9 at each step of a restore: the next salesop command leaves the installation whole,
# the previous data (killed before the restored data was checked) or the restored data (after).

ADD_LEAD = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from salesop.accounts.models import User
from salesop.core.testing import make_lead
make_lead(User.objects.get(username="rep"), company="备份之后 Added after the backup")
default_storage.save("contracts/after-backup.pdf", ContentFile(b"%PDF-1.4 later"))
print("ok")
"""


@pytest.fixture(scope="module")
def two_states(installation, tmp_path_factory):
    """The installation with a lead and a file more than its backup: (env, archive of the
    backup, archive of now, state now, state of the backup)."""
    env, archive, _engine = installation
    _shell(env, ADD_LEAD)
    out = tmp_path_factory.mktemp("now")
    assert _run(env, "backup", "--out", str(out)).returncode == 0
    (now,) = out.glob("salesop-backup-*.tar.gz")
    old = _state(env)
    assert _run(env, "restore", str(archive), "--force").returncode == 0
    new = _state(env)
    assert new != old
    assert _run(env, "restore", str(now), "--force").returncode == 0
    assert _state(env) == old
    return env, archive, now, old, new


STEPS_BEFORE_CHECKED = [
    "verified",
    "previous-kept",
    "files-moved-out",
    "files-moved-in",
    "database-loaded",
    "checked",
]


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
@pytest.mark.parametrize("step", [*STEPS_BEFORE_CHECKED, "committed", "loaded, put back"])
def test_a_restore_killed_at_any_step_leaves_the_installation_whole(two_states, step):
    env, archive, now, old, new = two_states
    data = Path(env["SALESOP_DATA_DIR"])
    if _state(env) != old:
        assert _run(env, "restore", str(now), "--force").returncode == 0
    killed_at = "database-loaded" if step == "loaded, put back" else step
    killed = _run(
        dict(env, SALESOP_TEST_RESTORE_KILL_AT=killed_at), "restore", str(archive), "--force"
    )
    assert killed.returncode == -9, killed.stderr
    if step == "loaded, put back":
        # the next command is killed too, while it puts the previous data back
        again = _run(dict(env, SALESOP_TEST_RESTORE_KILL_AT="files-put-back"), "migrate")
        assert again.returncode == -9, again.stderr
    if step in ("previous-kept", "files-moved-out", "files-moved-in", "database-loaded"):
        assert (data / "salesop-restore.json").exists()  # what a kill leaves, made whole next
    recovered = _run(env, "migrate")
    assert recovered.returncode == 0, recovered.stderr
    assert "Traceback" not in recovered.stderr
    if step == "committed":
        assert "the restored data is in place" in recovered.stderr
        assert _state(env) == new
    else:
        if step != "verified":
            assert "the previous database and uploaded files are back in place" in (
                recovered.stderr
            )
        assert _state(env) == old
    assert not list(data.glob(".salesop-restore-*"))
    assert not (data / "salesop-restore.json").exists()
    # and it restores as it should afterwards
    assert _run(env, "restore", str(archive), "--force").returncode == 0
    assert _state(env) == new


# A restore beside a running server would lose the server's writes (or fail half the time on
# a locked database): refused, naming what to stop; and no server starts during a restore.


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_restore_is_refused_while_the_server_runs(installation):
    env, archive, _engine = installation
    port = _free_port()
    server = subprocess.Popen(
        [SALESOP, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        # the server's worker writes as it sweeps: the business rows and files are compared
        kept = ("accounts_user", "leads_lead", "deals_deal")
        rows, files = _state(env)
        for _attempt in range(3):
            refused = _run(env, "restore", str(archive), "--force")
            assert refused.returncode != 0
            assert "Traceback" not in refused.stderr, refused.stderr
            assert "stop it first" in refused.stderr, refused.stderr
            assert f"process {server.pid}" in refused.stderr, refused.stderr
            now_rows, now_files = _state(env)
            assert now_files == files
            assert {t: now_rows[t] for t in kept} == {t: rows[t] for t in kept}
            assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=60)
    done = _run(env, "restore", str(archive), "--force")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_no_command_writes_while_a_restore_runs(installation, tmp_path):
    # An import (or any command that writes) beside a restore: its rows written before the
    # swap were replaced and those after it kept, while the import said it created them all
    # and the restore that every checksum matched.
    env, _archive, _engine = installation
    leads = tmp_path / "leads.csv"
    leads.write_text("company_name,phone\n杭州新建有限公司,13900000001\n", encoding="utf-8")
    channel = _shell(
        env, "from salesop.leads.models import Channel; print(Channel.objects.first().name)"
    )
    before = _state(env)
    lock = os.open(Path(env["SALESOP_DATA_DIR"]) / "salesop.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as `salesop restore` holds it
        commands = [
            ["import", "leads", str(leads), "--user", "rep", "--channel", channel],
            ["createadmin", "--username", "intruder", "--password-stdin"],
            ["sweep"],
        ]
        for command in commands:
            refused = subprocess.run(
                [SALESOP, *command],
                env=env,
                input="Kx8#long-enough-passphrase\n",
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert refused.returncode != 0, (command, refused.stdout)
            assert "A restore is running" in refused.stderr, refused.stderr
    finally:
        os.close(lock)
    assert _state(env) == before


@pytest.mark.parametrize("installation", ["sqlite"], indirect=True)
def test_no_server_or_worker_starts_while_a_restore_runs(installation):
    env, _archive, _engine = installation
    lock = os.open(Path(env["SALESOP_DATA_DIR"]) / "salesop.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as `salesop restore` holds it
        for command in (["worker"], ["serve", "--port", str(_free_port())]):
            refused = _run(env, *command)
            assert refused.returncode != 0
            assert "A restore is running" in refused.stderr, refused.stderr
    finally:
        os.close(lock)
