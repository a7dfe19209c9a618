## Proof of work: Curl-P-81 nonce search (filled in by the PoW module).
