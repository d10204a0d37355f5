"""URLs of certification's board (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
