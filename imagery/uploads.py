"""Upload handlers for imagery: a size limit enforced while reading, and files streamed straight to disk.

Django's defaults keep an upload under 5 MB in memory and spool larger ones to the system's temp
folder (a RAM disk on some hosts); these write every chunk into IMAGERY_ROOT/incoming as it arrives
and stop counting once the limit is passed, whether or not the client sent a Content-Length.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import BinaryIO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from gisportal.uploads import limit_bytes
from imagery.storage import incoming_dir


class StoredUpload(UploadedFile):
    """An upload already written to its place in IMAGERY_ROOT/incoming."""

    def __init__(self, path: Path, name: str, size: int):
        super().__init__(file=None, name=name, content_type="image/tiff", size=size)
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)

    def close(self) -> None:  # nothing is held open
        return None


class SizeLimitHandler(FileUploadHandler):
    """Counts the bytes of the body's files; past MAX_UPLOAD_MB the rest is discarded, never stored."""

    def __init__(self, request=None):
        super().__init__(request)
        self.total = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        if self.total > limit_bytes():
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class IncomingFileHandler(FileUploadHandler):
    """Writes each uploaded file chunk by chunk into IMAGERY_ROOT/incoming."""

    def __init__(self, request=None):
        super().__init__(request)
        self.paths: list[Path] = []
        self._fh: BinaryIO | None = None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        path = incoming_dir() / f"{uuid.uuid4().hex}.tif"
        self.paths.append(path)
        self._fh = open(path, "wb")  # closed in file_complete, or by discard()

    def _open_file(self) -> BinaryIO:
        if self._fh is None:  # Django calls new_file before any chunk
            raise RuntimeError("no file being received")
        return self._fh

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._open_file().write(raw_data)
        return None

    def file_complete(self, file_size: int) -> StoredUpload:
        self._open_file().close()
        self._fh = None
        return StoredUpload(self.paths[-1], self.file_name or "", file_size)

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self, keep: Path | None = None) -> None:
        """Remove every file this request wrote, except the one handed over to a job."""
        if self._fh:
            self._fh.close()
            self._fh = None
        for path in self.paths:
            if path != keep:
                path.unlink(missing_ok=True)
