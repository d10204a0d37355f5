"""The pension insurers' files of pension deduction (特別徴収) received through 国保連: format.py the
layout and codes, parser.py the strict reader (docs/subsystems/pension-feed.md)."""
