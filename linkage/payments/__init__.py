"""The collecting agents' side of the payment files for bills, simulated (simulator.py)."""
