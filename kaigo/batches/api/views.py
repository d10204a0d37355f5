from rest_framework import generics

from kaigo.batches import selectors
from kaigo.batches.api.serializers import BatchRunSerializer
from kaigo.batches.models import BatchRun
from kaigo.shell.permissions import api_permission


class BatchRunList(generics.ListAPIView):
    """The latest batch runs with their progress (newest first, at most 100)."""

    serializer_class = BatchRunSerializer
    permission_classes = [api_permission("batch.view")]
    pagination_class = None

    def get_queryset(self):
        return selectors.batch_run_list()


class BatchRunDetail(generics.RetrieveAPIView):
    serializer_class = BatchRunSerializer
    permission_classes = [api_permission("batch.view")]
    queryset = BatchRun.objects.select_related("operator")
    lookup_url_kwarg = "run_id"
