## tangle: transactions, Curl-P-81, Kerl, bundles, proof of work (filled in by the tangle module).
