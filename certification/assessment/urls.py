"""URLs of certification's assessment (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

urlpatterns: list = []
