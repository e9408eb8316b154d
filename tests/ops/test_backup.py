"""`make backup` / `make restore`: a round trip through a throw-away database compares every table and file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from households.models import Household
from imagery import ingest
from imagery.models import Acquisition
from tests.households.house_world import sample
from tests.imagery.rasters import write_geotiff
from tests.ops.dbtools import drop_database, file_digests, run_script, server_url, table_digests


@pytest.fixture
def folders(tmp_path, settings):
    media, imagery = tmp_path / "media", tmp_path / "imagery"
    settings.MEDIA_ROOT, settings.IMAGERY_ROOT = media, imagery
    (media / "reports" / "2026").mkdir(parents=True)
    (media / "reports" / "2026" / "ảnh hiện trường.jpg").write_bytes(bytes(range(256)) * 40)
    return media, imagery


def test_round_trip_keeps_every_row_and_file(live_world, folders, tmp_path):
    media, imagery = folders
    sample("household", live_world)
    source_tif = tmp_path / "scene.tif"
    write_geotiff(source_tif, size=512, seed=7)
    job = ingest.start_path(
        source_tif, ward=live_world.ward_a, year=2026, acquired_on=dt.date(2026, 1, 5), title="", user=None, queue=False
    )
    assert ingest.run_job(job.pk).status == "done"
    assert Household.objects.count() == 1 and Acquisition.objects.count() == 1
    assert list((imagery / "cogs").glob("*.tif")), "the ingest wrote no COG"

    source_db = connection.settings_dict["NAME"]
    source_url = server_url(source_db)
    before_rows, before_media, before_imagery = table_digests(source_url), file_digests(media), file_digests(imagery)
    assert before_rows["businesses_business"][0] == 3

    archive = tmp_path / "backup.tar"
    done = run_script(
        "backup.sh", str(archive), DATABASE_URL=source_url, MEDIA_ROOT=str(media), IMAGERY_ROOT=str(imagery)
    )
    assert done.returncode == 0, done.stderr
    assert archive.is_file()

    target_db = f"{source_db}_restored"
    media2, imagery2 = tmp_path / "media2", tmp_path / "imagery2"
    env = dict(DATABASE_URL=server_url(target_db), MEDIA_ROOT=str(media2), IMAGERY_ROOT=str(imagery2))
    drop_database(target_db)
    try:
        done = run_script("restore.sh", str(archive), **env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert table_digests(server_url(target_db)) == before_rows
        assert file_digests(media2) == before_media
        assert file_digests(imagery2) == before_imagery

        # A second restore over the restored data is refused, in Vietnamese then English, and changes nothing.
        (media2 / "new since.txt").write_text("kept")
        refused = run_script("restore.sh", str(archive), **env)
        assert refused.returncode != 0
        assert "Lỗi:" in refused.stderr and "Error:" in refused.stderr
        assert "--force" in refused.stderr and "ghi đè" in refused.stderr and "overwrite" in refused.stderr
        assert (media2 / "new since.txt").read_text() == "kept"
        assert table_digests(server_url(target_db)) == before_rows

        # --force replaces both: the file added since is gone, every row and file is the backup's again.
        forced = run_script("restore.sh", str(archive), "--force", **env)
        assert forced.returncode == 0, forced.stderr
        assert file_digests(media2) == before_media
        assert table_digests(server_url(target_db)) == before_rows
    finally:
        drop_database(target_db)


def test_a_damaged_archive_restores_nothing(tmp_path, db):
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"not a tar file" * 100)
    target_db = f"{connection.settings_dict['NAME']}_never"
    done = run_script(
        "restore.sh",
        str(bad),
        DATABASE_URL=server_url(target_db),
        MEDIA_ROOT=str(tmp_path / "m"),
        IMAGERY_ROOT=str(tmp_path / "i"),
    )
    assert done.returncode != 0
    assert "Lỗi:" in done.stderr and "Error:" in done.stderr
    assert not (tmp_path / "m").exists()
