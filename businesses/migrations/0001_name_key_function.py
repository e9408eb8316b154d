from django.db import migrations

# The one definition of "the same signboard name": NFC, no accents (đ → d), lower case,
# without a leading "Hộ kinh doanh"/"HKD", punctuation and runs of spaces as one space.
# IMMUTABLE so that a generated column and its trigram index can use it; unaccent() itself
# is only STABLE because its dictionary could change, hence the explicit dictionary.
NAME_KEY = r"""
CREATE OR REPLACE FUNCTION portal_name_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
           regexp_replace(
             lower(public.unaccent('public.unaccent'::regdictionary, normalize(t, NFC))),
             '^\s*(ho\s+kinh\s+doanh|hkd)\s*[:.\-]?\s*', ''),
           '[^a-z0-9]+', ' ', 'g'))
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_extensions")]

    operations = [migrations.RunSQL(NAME_KEY, "DROP FUNCTION IF EXISTS portal_name_key(text);")]
