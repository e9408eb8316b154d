"""House-number imports from files, all or nothing: ``run.run_import`` and its stages (``rows``, ``places``,
``report``, ``writer``), the coordinate systems a file may use (``crs``) and the messages of each problem
(``issues``). The file itself is read by ``households.house_files``."""
