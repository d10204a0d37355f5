"""Money paid out by bank transfer (総合振込): the 全銀協 file the city's bank takes, and the reader of
the bank's return (振込結果). Core: premiums' refunds use it now, benefits will. See
docs/subsystems/bank-transfer.md."""
