"""URLs of certification's dashboard (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
