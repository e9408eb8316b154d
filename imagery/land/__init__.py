"""Land records: parcels from the corner coordinates of survey documents (`parcels`: parse, reproject,
measure) and building permits, with their APIs (`parcels_api`, `permits_api`) and what those share
(`records`: access, the ward a shape lies in, versioned edits and history)."""
