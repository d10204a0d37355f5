"""URLs of certification's decisions (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
