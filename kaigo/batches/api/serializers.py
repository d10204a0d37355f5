from rest_framework import serializers

from kaigo.batches.models import BatchRun


class BatchRunSerializer(serializers.ModelSerializer):
    operator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = BatchRun
        fields = [
            "id", "kind", "params", "operator", "origin", "status", "created_at", "started_at", "finished_at",
            "resume_count", "chunk_count", "total", "processed", "succeeded", "failed", "percent",
        ]
        read_only_fields = fields
