"""`salesop backup` and `salesop restore`: a company's database and uploaded files restored
into a fresh installation compare equal table by table and file by file, and the restored
site works (pages load, new records get new ids)."""

import json
import os
import secrets
import subprocess
import sys
import tarfile
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


def test_restore_refuses_what_is_not_a_backup_and_says_why(tmp_path):
    env = _env(tmp_path / "c")
    assert _run(env, "migrate").returncode == 0
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    refused = _run(env, "restore", str(junk))
    assert refused.returncode != 0 and "is not a salesop backup" in refused.stderr
    # A backup of another engine is named as such.
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"engine": "postgresql", "tables": {}, "files": {}}))
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
