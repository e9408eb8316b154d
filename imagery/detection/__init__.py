"""The ML module: flag new structures between two aerial acquisitions for construction-violation review.

Pure parts (no Django): scenes (synthetic pairs), features, detector, metrics, pairs (reading rasters).
The Django app `imagery.detection` adds runs, flags and the review queue on top.
"""
