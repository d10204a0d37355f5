"""URLs of certification's survey (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
