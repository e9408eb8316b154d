#!/usr/bin/env bash
# `make restore FROM=archive [FORCE=1]`: a backup made by scripts/backup.sh back into DATABASE_URL's database and
# the media and COG folders (MEDIA_ROOT, IMAGERY_ROOT). Refuses to overwrite a database that holds tables or a
# folder that holds files unless --force is given; with --force the database is dropped (its connections ended:
# the running portal's pool reconnects by itself) and made again from the dump, and the folders are replaced.
# Every file is checked against the archive's SHA256SUMS before anything live is touched.
source "$(dirname "$0")/common.sh"

ARCHIVE=""; FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -*) die "Tùy chọn không rõ: $arg" "unknown option: $arg" ;;
        *) ARCHIVE="$arg" ;;
    esac
done
[ -n "$ARCHIVE" ] || die "Cần chỉ ra tệp sao lưu: make restore FROM=var/backups/gisportal-….tar" \
    "name the backup archive: make restore FROM=var/backups/gisportal-….tar"
[ -f "$ARCHIVE" ] || die "Không thấy tệp sao lưu $ARCHIVE." "the backup archive $ARCHIVE does not exist."

MEDIA_DIR="${MEDIA_ROOT:-$VAR/media}"
IMAGERY_DIR="${IMAGERY_ROOT:-$VAR/imagery}"
REST="${DATABASE_URL#*://}"
DBNAME="${REST##*/}"; DBNAME="${DBNAME%%\?*}"
SERVER_URL="postgresql://${REST%/*}/postgres"
DB_URL="postgresql://$REST"
psql_server() { "$PG_BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 --dbname="$SERVER_URL" "$@"; }

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/gisportal-restore-XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
tar -xf "$ARCHIVE" -C "$STAGE" || die "Tệp sao lưu $ARCHIVE bị hỏng (tar không đọc được)." "the archive $ARCHIVE is damaged (tar cannot read it)."
[ -f "$STAGE/db.dump" ] && [ -f "$STAGE/SHA256SUMS" ] \
    || die "$ARCHIVE không phải tệp sao lưu của cổng thông tin (thiếu db.dump hoặc SHA256SUMS)." \
        "$ARCHIVE is not a portal backup (db.dump or SHA256SUMS missing)."
(cd "$STAGE" && sha256sum --quiet --strict -c SHA256SUMS) \
    || die "Tổng kiểm tra của tệp trong bản sao lưu không khớp: không khôi phục gì." \
        "the checksums of the archive's files do not match: nothing was restored."

# What would be overwritten: tables in the database, files in the folders.
exists="$(psql_server -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" \
    || die "Không kết nối được máy chủ PostgreSQL của $DATABASE_URL." "cannot reach the PostgreSQL server of $DATABASE_URL."
tables=0
if [ "$exists" = 1 ]; then
    tables="$("$PG_BIN/psql" -X -tA --dbname="$DB_URL" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'")"
fi
busy_vi=(); busy_en=()
if [ "$tables" -gt 0 ]; then
    busy_vi+=("cơ sở dữ liệu $DBNAME ($tables bảng)"); busy_en+=("the database $DBNAME ($tables tables)")
fi
for d in "$MEDIA_DIR" "$IMAGERY_DIR"; do
    if [ -d "$d" ] && [ -n "$(find "$d" -type f -print -quit)" ]; then busy_vi+=("thư mục $d"); busy_en+=("the folder $d"); fi
done
joined() { local IFS=";"; echo "$*" | sed 's/;/, /g'; }
if [ ${#busy_en[@]} -gt 0 ] && [ $FORCE = 0 ]; then
    die "Khôi phục sẽ ghi đè dữ liệu đang có: $(joined "${busy_vi[@]}"). Không ghi đè gì. Nếu chắc chắn, chạy lại với --force (make restore FROM=… FORCE=1)." \
        "restoring would overwrite existing data: $(joined "${busy_en[@]}"). Nothing was overwritten. If you are sure, run again with --force (make restore FROM=… FORCE=1)."
fi

say "Khôi phục cơ sở dữ liệu / restoring the database $DBNAME"
if [ "$exists" = 1 ]; then
    psql_server -c "DROP DATABASE \"$DBNAME\" WITH (FORCE)" || die "Không xóa được cơ sở dữ liệu $DBNAME." "could not drop the database $DBNAME."
fi
# template0: the dump creates its own extensions (PostGIS, raster, pg_trgm, unaccent) at the versions it holds.
psql_server -c "CREATE DATABASE \"$DBNAME\" TEMPLATE template0 ENCODING 'UTF8'"
"$PG_BIN/pg_restore" --no-owner --exit-on-error --dbname="$DB_URL" "$STAGE/db.dump" \
    || die "pg_restore thất bại; cơ sở dữ liệu $DBNAME chưa đầy đủ, hãy chạy lại." "pg_restore failed; the database $DBNAME is incomplete, run it again."

say "Khôi phục tệp / restoring the files"
for pair in "media:$MEDIA_DIR" "imagery:$IMAGERY_DIR"; do
    name="${pair%%:*}"; dest="${pair#*:}"
    mkdir -p "$dest"
    find "$dest" -mindepth 1 -delete
    [ -d "$STAGE/$name" ] && cp -a "$STAGE/$name/." "$dest/"
done
say "Đã khôi phục / restored: $ARCHIVE → $DBNAME, $MEDIA_DIR, $IMAGERY_DIR ($(wc -l <"$STAGE/SHA256SUMS") tệp / files)"
say "Nếu mã nguồn mới hơn bản sao lưu / if the code is newer than the backup: .venv/bin/python manage.py migrate"
