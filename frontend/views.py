from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def map_page(request):
    """The map shell: ward, khu phố and POI layers, open to everyone; a district leader's home is their wards in
    figures (frontend/leader.py), with the map one link away (`?view=map`)."""
    from gisportal.permissions import opens_on_figures

    if opens_on_figures(request.user) and request.GET.get("view") != "map":
        return leader_home(request)
    return render(request, "frontend/map.html")


def leader_home(request):
    from frontend import leader

    # leader_home is only reached by district leaders, who never see small household counts
    columns, rows = leader.rows(leader.leader_wards(request.user), hide_small=True)
    groups = leader.groups(columns)
    context = {"columns": columns, "rows": rows, "groups": groups, "starts": {g.first for g in groups}}
    return render(request, "frontend/leader_home.html", context)


@require_safe
@login_required
def layers_editor_page(request):
    """Officers draw, move, reshape, edit, delete and restore features of the editable thematic layers."""
    from gisportal.permissions import ward_ids
    from layers import registry
    from layers.editing import edits_layer

    name = request.GET.get("layer", "waste_points")
    layer = registry.get(name)
    if layer is None or not layer.editable:
        name, layer = "waste_points", registry.get("waste_points")
    # A ward-defined layer names its own editors (a khu phố officer may edit streetlights but no waste point).
    scope = sorted(ward_ids(request.user) or [])
    context = {"can_edit": layer is not None and edits_layer(request.user, layer), "ward_scope": scope, "layer": name}
    return render(request, "frontend/layers_editor.html", context)


@require_safe
def layers_forest_page(request):
    """Forest plots: the change between two surveys on the map and in tables, KML/KMZ, officers' field data."""
    from gisportal.permissions import sees_domain

    return render(request, "frontend/layers_forest.html", {"is_officer": sees_domain(request.user)})


@require_safe
@login_required
def house_report_page(request):
    """A ward's house-number problems (the standardisation report) for its officers and for leaders."""
    from gisportal.permissions import ward_ids
    from layers.models import AdminUnit

    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    scope = ward_ids(request.user)
    if scope is not None:
        wards = wards.filter(pk__in=scope)
    return render(request, "frontend/house_report.html", {"wards": wards})
