"""Print the queued 負担割合証 (those of a yearly run, or every queued one) into one PDF file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benefits.ratio.services import certificates_print


class Command(BaseCommand):
    help = "印刷待ちの負担割合証を1つのPDFに印刷し、印刷済にします。"

    def add_arguments(self, parser):
        parser.add_argument("out", help="書き出すPDFファイル")
        parser.add_argument("--run", type=int, default=None, help="年次判定の実行番号（省略時: 印刷待ちのすべて）")

    def handle(self, *args, out, run, **options):
        path = Path(out)
        if path.exists():
            raise CommandError("出力先のファイルが既にあります。")
        pdf, count = certificates_print(actor=None, batch_run_id=run)
        if count:
            path.write_bytes(pdf)
        self.stdout.write(f"{count}件を印刷しました。")
