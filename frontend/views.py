from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def map_page(request):
    """The map shell: ward, khu phố and POI layers, open to everyone."""
    return render(request, "frontend/map.html")


@require_GET
def businesses_page(request):
    """Citizens' page: signboard name check and radius scan."""
    from layers.models import AdminUnit

    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    return render(request, "frontend/businesses.html", {"wards": wards})
