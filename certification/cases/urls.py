"""URLs of certification's cases (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
