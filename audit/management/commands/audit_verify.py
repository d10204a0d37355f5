from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.chain import CHAINS, BreakKind
from audit.heads import HEADS, heads_path


class Command(BaseCommand):
    help = (
        "Verify the audit hash chains: walk each in seq order, recompute every hash, compare with "
        "earlier verifications and with the signed heads written outside the database; check the "
        "heads file itself; name the first broken link (seq and id). Exit 1 on any break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", choices=sorted(CHAINS), action="append",
                            help="verify only this chain (repeatable; default: all)")
        parser.add_argument("--batch-size", type=int, default=services.VERIFY_BATCH_SIZE,
                            help="rows fetched from the server-side cursor at a time")
        parser.add_argument("--max-breaks", type=int, default=100, help="breaks listed per chain at most")
        parser.add_argument("--no-checkpoint", action="store_true",
                            help="do not record what was seen (for a read-only standby)")
        parser.add_argument("--heads-file", help="check against this copy of the heads file (one fetched back "
                                                 "from the machine it is shipped to) instead of KAIGO_AUDIT_HEADS_PATH")

    def handle(self, *args, chain=None, batch_size, max_breaks, no_checkpoint=False, heads_file=None, **options):
        if batch_size < 1 or max_breaks < 1:
            raise CommandError("--batch-size と --max-breaks は 1 以上にしてください。")
        results = services.verify_all(chains=chain or list(CHAINS), batch_size=batch_size, max_breaks=max_breaks,
                                      record_checkpoint=not no_checkpoint, heads_file=heads_file)
        if not any(result.chain == HEADS for result in results):
            path = heads_file or heads_path()
            note = ("外部記録（heads）: 設定されていません（KAIGO_AUDIT_HEADS_PATH）。" if path is None
                    else f"外部記録（heads）: ファイル（{path}）はまだありません（次の封印で作られます）。")
            self.stderr.write(note)
        broken = 0
        for result in results:
            name = result.chain
            label = services.verified_label(name)
            if name == HEADS:
                self.stdout.write(f"{label}（{name}）: {result.rows:,} 件の記録を確認しました（{heads_file or heads_path()}）。"
                                  f"最終記録 {result.head_seq}")
            else:
                self.stdout.write(
                    f"{label}（{name}）: {result.rows:,} 行を検証しました。最終 seq {result.head_seq}、"
                    f"最終行のハッシュ {result.head_hash.hex()}"
                )
            if result.ok:
                self.stdout.write(f"{label}（{name}）: 改ざんは見つかりませんでした。")
                continue
            broken += result.breaks_total
            first = result.breaks[0]
            # For a deletion the id is that of the row after the gap: the message says so.
            row = f"（id {first.row_id}）" if first.row_id is not None and first.kind != BreakKind.DELETED else ""
            where = "" if name == HEADS else f"seq {first.seq}{row} "  # the file's messages name their lines
            self.stdout.write(f"{label}（{name}）: 最初の不整合: {where}{first.label}: {first.message}")
            for found in result.breaks[1:]:
                where = "" if name == HEADS else f"seq {found.seq} "
                self.stdout.write(f"  ほかの不整合: {where}{found.label}: {found.message}")
            if result.breaks_total > len(result.breaks):
                self.stdout.write(f"  （ほか {result.breaks_total - len(result.breaks)} 件は省略）")
        if broken:
            raise CommandError(f"改ざんの疑いが {broken} 件あります。監査担当に連絡してください。", returncode=1)
