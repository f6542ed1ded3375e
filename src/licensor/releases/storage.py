"""Where artifact files live, behind one small interface: a directory, or any S3-compatible
store (`s3://bucket/prefix`). Uploads arrive as a finished local file (spooled while the
request streamed in, so nothing holds a whole file in memory); downloads are served from the
directory, or redirected to a presigned S3 address.

With several API hosts the S3 store is the shared one: a directory is only seen by its host.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

# A presigned address lives at most this long, however long the link that led to it.
MAX_PRESIGNED_SECONDS = 3600


class ArtifactStore(Protocol):
    def spool(self) -> IO[bytes]:
        """A new temporary file to stream an upload into, on the store's own disk."""

    def put(self, key: str, spooled: Path) -> None:
        """Keep `spooled` under `key` (replacing any file there); the spooled file is gone after."""

    def local_path(self, key: str) -> Path | None:
        """The file to serve directly, or None when the store serves through a redirect (or
        a directory store no longer has the file)."""

    def redirect_url(self, key: str, filename: str, seconds: int) -> str | None:
        """A presigned address of the file, valid `seconds` (at most an hour); None from a
        store that serves its files itself (local_path)."""

    def delete(self, key: str) -> None: ...


@dataclass
class DirectoryStore:
    root: Path

    def spool(self) -> IO[bytes]:
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        # On the store's own file system, so keeping it is a rename, not a copy.
        return tempfile.NamedTemporaryFile(dir=incoming, delete=False)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"artifact key {key!r} leaves the store")
        return path

    def put(self, key: str, spooled: Path) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(spooled, path)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def redirect_url(self, key: str, filename: str, seconds: int) -> str | None:
        return None  # served from local_path

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None,
                 spool_dir: Path) -> None:
        self.bucket, self.prefix, self.spool_dir = bucket, prefix.strip("/"), spool_dir
        self.endpoint_url = endpoint_url
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # only installations that keep artifacts on S3 pay for the import

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def spool(self) -> IO[bytes]:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=self.spool_dir, delete=False)

    def put(self, key: str, spooled: Path) -> None:
        try:
            # A managed transfer: multipart in bounded parts read from the spooled file.
            self.client.upload_file(str(spooled), self.bucket, self._key(key))
        finally:
            spooled.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return None

    def redirect_url(self, key: str, filename: str, seconds: int) -> str | None:
        url: str = self.client.generate_presigned_url(
            "get_object", ExpiresIn=max(1, min(seconds, MAX_PRESIGNED_SECONDS)),
            Params={"Bucket": self.bucket, "Key": self._key(key),
                    "ResponseContentDisposition": f'attachment; filename="{filename}"'})
        return url

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def store_for(location: str, home: Path, endpoint_url: str | None) -> ArtifactStore:
    """LICENSOR_ARTIFACTS: `s3://bucket/prefix` or a directory."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        return S3Store(parts.netloc, parts.path, endpoint_url, home / "uploads")
    return DirectoryStore(Path(location))


def discard(spooled: Path) -> None:
    spooled.unlink(missing_ok=True)


def copy_into(source: IO[bytes], target: IO[bytes]) -> None:
    shutil.copyfileobj(source, target, 1024 * 1024)
