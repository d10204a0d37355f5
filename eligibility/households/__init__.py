"""Household history (世帯の履歴): who belonged to which household from when to when."""
