"""The households app's HTTP layer: views, serializers and the parameters they read."""
