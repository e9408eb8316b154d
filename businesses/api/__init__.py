"""The businesses app's HTTP layer: views parse the request, call one service, serialise.

- `public.py`: the citizens' signboard name check and radius scan, the VSIC industries;
- `lists.py`: the registry as filtered GeoJSON pages, registration of a business, counts, exports, the export log;
- `detail.py`: one business read, changed, deleted, restored, and its history;
- `sync.py`: the registration software's sync and the review of runs and missing businesses;
- `serializers.py`: a business as the API shows and accepts it;
- `filters.py`: the list filters, parsed once for lists, statistics and exports, and scoped by role.

Who may do what is decided in `gisportal/permissions.py`; URLs are in `businesses/urls.py`.
"""
