"""URLs of certification's opinion (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
