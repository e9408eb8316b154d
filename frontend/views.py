from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def map_page(request):
    """The map shell: ward, khu phố and POI layers, open to everyone."""
    return render(request, "frontend/map.html")
