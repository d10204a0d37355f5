"""The municipal tax system's yearly file of inhabitant-tax facts and its corrections (住民税課税情報):
format.py the layout and codes, parser.py the strict reader (docs/subsystems/tax-feed.md)."""
