#!/usr/bin/env bash
# Everything `make run` and `make test` share: packages, venv, assets, services, schema.
# usage: scripts/setup.sh [--browser]
source "$(dirname "$0")/common.sh"
mkdir -p "$VAR/log"

started=$SECONDS
bash "$ROOT/scripts/system-deps.sh" "$@"
bash "$ROOT/scripts/venv.sh"
bash "$ROOT/scripts/vendor_assets.sh" || die "npm không tải được Leaflet (xem thông báo ở trên)." "npm could not fetch Leaflet (see above)."
bash "$ROOT/scripts/pg.sh" start
bash "$ROOT/scripts/redis.sh" start
cd "$ROOT"
# Compiled catalogues are build output (git-ignored); rebuild when a .po is newer.
for po in locale/*/LC_MESSAGES/*.po */locale/*/LC_MESSAGES/*.po; do
    mo="${po%.po}.mo"
    [ "$mo" -nt "$po" ] || msgfmt --check-format -o "$mo" "$po" || die "Không biên dịch được $po." "could not compile $po."
done
"$PY" manage.py migrate --noinput -v0 || die "Không cập nhật được cơ sở dữ liệu (migrate)." "the database migration failed."
say "Sẵn sàng / ready in $((SECONDS - started)) s"
