"""Record the household history's first stretch of every resident who has none (set-based)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from eligibility.households.services import household_history_backfill


class Command(BaseCommand):
    help = "世帯の所属期間がない住民に、記録開始前からの所属期間を記録します。"

    def handle(self, *args, **options):
        with transaction.atomic():
            written = household_history_backfill()
        self.stdout.write(f"{written}件を記録しました。")
