"""A redelivered ingest task never runs a job twice (issue 17): the job is claimed by one conditional update."""

from __future__ import annotations

import datetime as dt

import psycopg
from django.db import connection

from imagery import ingest
from imagery.models import Acquisition, IngestJob
from tests.imagery.rasters import write_geotiff


def _job(world, tmp_path) -> IngestJob:
    path = tmp_path / "twice.tif"
    write_geotiff(path, srid=32648, size=256)
    return ingest.start_path(
        path, ward=world.ward_a, year=2020, acquired_on=dt.date(2020, 5, 1), title="", user=None, queue=False
    )


def test_a_second_delivery_while_the_first_runs_does_nothing(world, imagery_root, tmp_path):
    job = _job(world, tmp_path)
    # The first delivery has claimed the job and is converting it (acks_late: the broker may deliver again):
    # its worker holds the job's lock on its own connection.
    IngestJob.objects.filter(pk=job.pk).update(status=IngestJob.Status.RUNNING)
    db = connection.settings_dict
    with psycopg.connect(f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}") as first:
        first.execute("SELECT pg_advisory_lock(%s, %s)", [ingest._LOCK_CLASS, job.pk])
        again = ingest.run_job(job.pk)
    assert again.status == IngestJob.Status.RUNNING
    assert Acquisition.objects.count() == 0


def test_a_job_runs_once_then_a_redelivery_is_a_no_op(world, imagery_root, tmp_path):
    job = _job(world, tmp_path)
    assert ingest.run_job(job.pk).status == IngestJob.Status.DONE
    assert ingest.run_job(job.pk).status == IngestJob.Status.DONE
    assert Acquisition.objects.count() == 1
    Acquisition.objects.get().cog_path.unlink()
