"""The city's bank as a counterpart: a simulator of its return of a 総合振込 file (kaigo.bank)."""
