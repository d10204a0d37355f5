"""Payment files for bills (収納データ: counters, account transfers, convenience stores): format.py
the layout, codes and the 納付番号, parser.py the strict reader (docs/subsystems/payment-feed.md)."""
