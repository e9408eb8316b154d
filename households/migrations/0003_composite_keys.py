from django.db import migrations

# Keys Django cannot declare: a house number's street must be a street of the house number's own ward,
# and a household's house number one of the household's ward. They cascade at the database level
# (see households/models.py for why), deferred like Django's own keys so a bulk load checks at commit.
FORWARD = """
ALTER TABLE households_housenumber ADD CONSTRAINT house_number_street_in_ward
  FOREIGN KEY (street_id, ward_id) REFERENCES households_street (id, ward_id)
  ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE households_household ADD CONSTRAINT household_house_number_in_ward
  FOREIGN KEY (house_number_id, ward_id) REFERENCES households_housenumber (id, ward_id)
  ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE households_householdmove ADD CONSTRAINT household_move_household
  FOREIGN KEY (household_id) REFERENCES households_household (id)
  ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""
BACKWARD = """
ALTER TABLE households_householdmove DROP CONSTRAINT household_move_household;
ALTER TABLE households_household DROP CONSTRAINT household_house_number_in_ward;
ALTER TABLE households_housenumber DROP CONSTRAINT house_number_street_in_ward;
"""


class Migration(migrations.Migration):
    dependencies = [("households", "0002_house_numbers_households")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
