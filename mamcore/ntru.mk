## NTRU: public-key transport of session keys (filled in by the NTRU module).
