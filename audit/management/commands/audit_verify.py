from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.chain import CHAINS, BreakKind


class Command(BaseCommand):
    help = (
        "Verify the audit hash chains: walk each in seq order, recompute every hash, compare with "
        "earlier verifications; name the first broken link (seq and id). Exit 1 on any break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=sorted(CHAINS), action="append",
                            help="verify only this chain (repeatable; default: all)")
        parser.add_argument("--batch-size", type=int, default=services.VERIFY_BATCH_SIZE,
                            help="rows fetched from the server-side cursor at a time")
        parser.add_argument("--max-breaks", type=int, default=100, help="breaks listed per chain at most")
        parser.add_argument("--no-checkpoint", action="store_true",
                            help="do not record what was seen (for a read-only standby)")

    def handle(self, *args, chain=None, batch_size, max_breaks, no_checkpoint=False, **options):
        if batch_size < 1 or max_breaks < 1:
            raise CommandError("--batch-size と --max-breaks は 1 以上にしてください。")
        broken = 0
        for name in chain or list(CHAINS):
            spec = CHAINS[name]
            result = services.chain_verify(
                chain=name, batch_size=batch_size, max_breaks=max_breaks, record_checkpoint=not no_checkpoint
            )
            self.stdout.write(
                f"{spec.label}（{name}）: {result.rows:,} 行を検証しました。最終 seq {result.head_seq}、"
                f"最終行のハッシュ {result.head_hash.hex()}"
            )
            if result.ok:
                self.stdout.write(f"{spec.label}（{name}）: 改ざんは見つかりませんでした。")
                continue
            broken += result.breaks_total
            first = result.breaks[0]
            # For a deletion the id is that of the row after the gap: the message says so.
            row = f"（id {first.row_id}）" if first.row_id is not None and first.kind != BreakKind.DELETED else ""
            self.stdout.write(f"{spec.label}（{name}）: 最初の不整合: seq {first.seq}{row} {first.label}: {first.message}")
            for found in result.breaks[1:]:
                self.stdout.write(f"  ほかの不整合: seq {found.seq} {found.label}: {found.message}")
            if result.breaks_total > len(result.breaks):
                self.stdout.write(f"  （ほか {result.breaks_total - len(result.breaks)} 件は省略）")
        if broken:
            raise CommandError(f"改ざんの疑いが {broken} 件あります。監査担当に連絡してください。", returncode=1)
