"""Qualification (資格管理): the registry facts, the rules that derive the periods, the bitemporal
history and its recording (``requalify``), notifications by hand (届出), the monthly 65th-birthday
run, the consistency check, and the qualification tab. Docs: docs/subsystems/qualification.md."""
