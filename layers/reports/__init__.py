"""Citizen reports (phản ánh kiến nghị): filed on a map without an account, routed to the ward and khu phố that
hold the point, worked through by the ward's officers, followed by the citizen with a tracking code or QR, and
offered to civic apps through Open311 GeoReport v2."""
