"""The pension insurers' side of the 特別徴収 files, simulated (simulator.py)."""
