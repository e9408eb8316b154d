"""Vietnamese number formats beside Django's own (django/conf/locale/vi/formats.py, which leaves grouping off):
thousands grouped with a dot, as the pages' scripts print them (Intl.NumberFormat("vi"): 4.462), so a server-
rendered figure and a script-rendered one look the same. Dates and the rest come from Django's module."""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
