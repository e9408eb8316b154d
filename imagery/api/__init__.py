"""The HTTP layer of acquisitions and tiles: `acquisitions` (the DRF API under /api/v1/imagery/), `tiles`
(plain Django views under /imagery/: XYZ tiles, TileJSON, point, crop) and `params` (the query parameters
they share with the land and detection APIs). Parcels and permits have theirs in imagery/land/.
"""
