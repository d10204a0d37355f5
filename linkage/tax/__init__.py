"""The municipal tax system's side of the inhabitant-tax file, simulated (simulator.py)."""
