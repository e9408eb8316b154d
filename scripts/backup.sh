#!/usr/bin/env bash
# `make backup [TO=path]`: the portal's database (pg_dump custom format) and its media and COG folders in one
# dated archive, var/backups/gisportal-<date>.tar by default. A directory as TO gets the dated name inside it.
# The archive holds db.dump, media/, imagery/, SHA256SUMS (every file's checksum, checked by restore.sh) and
# manifest.txt. Written under a temporary name and renamed at the end: a failed run leaves no half archive.
source "$(dirname "$0")/common.sh"

MEDIA_DIR="${MEDIA_ROOT:-$VAR/media}"
IMAGERY_DIR="${IMAGERY_ROOT:-$VAR/imagery}"
STAMP="$(date +%Y%m%d-%H%M%S)"
DEST="${1:-$VAR/backups}"
if [ -d "$DEST" ] || [[ "$DEST" == */ ]]; then DEST="${DEST%/}/gisportal-$STAMP.tar"; fi
mkdir -p "$(dirname "$DEST")"
# pg_dump reads libpq URLs: postgresql://, not Django's postgis://.
PGURL="postgresql://${DATABASE_URL#*://}"

STAGE="$(mktemp -d "$(dirname "$DEST")/.backup-XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
"$PG_BIN/pg_dump" --format=custom --no-owner --dbname="$PGURL" --file="$STAGE/db.dump" \
    || die "pg_dump thất bại: không sao lưu được cơ sở dữ liệu." "pg_dump failed: the database was not backed up."
# Checksums and files straight from the live folders (no copy of a 10 GB imagery folder): a file written
# between the two steps fails restore.sh's check by name instead of restoring silently changed.
sums() { [ -d "$1" ] && (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum | sed "s,  \./,  $2/,"); true; }
{ sums "$MEDIA_DIR" media; sums "$IMAGERY_DIR" imagery; } >"$STAGE/SHA256SUMS"
mkdir -p "$STAGE/empty"
folder() { if [ -d "$1" ]; then printf %s "$1"; else printf %s "$STAGE/empty"; fi; }
{
    echo "created: $(date -Iseconds)"
    echo "database: ${PGURL##*/}"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "files: $(wc -l <"$STAGE/SHA256SUMS")"
} >"$STAGE/manifest.txt"
{
    tar -cf "$DEST.partial" -C "$STAGE" manifest.txt SHA256SUMS db.dump \
        && tar -rf "$DEST.partial" -C "$(folder "$MEDIA_DIR")" --transform 's,^\.,media,' . \
        && tar -rf "$DEST.partial" -C "$(folder "$IMAGERY_DIR")" --transform 's,^\.,imagery,' .
} || { rm -f "$DEST.partial"; die "Không ghi được tệp sao lưu $DEST." "could not write the backup archive $DEST."; }
mv "$DEST.partial" "$DEST"
say "Đã sao lưu / backed up: $DEST ($(du -h "$DEST" | cut -f1), $(wc -l <"$STAGE/SHA256SUMS") tệp / files)"
